# The twin scenario of tests/golden/build/hci-partition-busy.vgpu: the earlier
# version's declared state, VMs running with their partitions. The new count
# cannot be set while partitions are assigned: the pre-flight refuses, names
# the host and the VMs that hold partitions, and changes nothing.
@{
    PowerState = 'Running'
    Adapters   = 'keep'
    Expect     = 'refuse'
    Problems   = @(
        @{ Kind = 'partitions-assigned'; Tokens = @('azl-busy-1', 'cad-01'); Pattern = '(?i)partition' }
    )
}
