# The twin scenario of tests/golden/build/hci-profile-change.vgpu: the
# earlier version's declared state with every VM off and its GPU partition
# adapter removed (what the pre-flight asks before a partition count can
# change) must converge to the new file.
@{
    PowerState = 'Off'
    Adapters   = 'remove'
    Expect     = 'converge'
    Problems   = @()
}
