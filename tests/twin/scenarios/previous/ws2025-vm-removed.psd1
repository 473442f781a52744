# The twin scenario of tests/golden/build/ws2025-vm-removed.vgpu: the earlier
# version's declared state, every VM running. The declared VMs stay as they
# are; legacy-01, no longer in the file, is reported and left alone.
@{
    PowerState = 'Running'
    Adapters   = 'keep'
    Expect     = 'converge'
    Problems   = @()
}
