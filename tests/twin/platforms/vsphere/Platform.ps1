# Platform.ps1 - the vSphere platform of the twin ("platform": "vmware", tests/twin/README.md):
# which cmdlet table gives the PowerCLI bindings (with the PowerCLI types mapped to the
# twin's objects), which files make up the engine, and the state check. Discovered by
# Twin.psm1 like every platforms/<name>/Platform.ps1.
$obn = @{ Names = $true }
@{
    Name          = 'vmware'
    CmdletTables  = @(
        @{
            Cmdlets = '../../../validators/cmdlets/powercli-cmdlets.tsv'
            Details = '../../../validators/cmdlets/powercli-cmdlet-param-details.tsv'
            # PowerCLI parameter types: the twin's .NET objects (VimTypes.cs, PowerCliTypes.cs);
            # inventory parameters also take names (PowerCLI's object-by-name).
            Types   = @{
                'VIServer'               = $obn + @{ Accept = @('VgpucTwin.PowerCLI.VIServer') }
                # Get-Task's -Server (VIConnection[], the PowerCLI reference): a connection.
                'VIConnection'           = $obn + @{ Accept = @('VgpucTwin.PowerCLI.VIServer') }
                'VirtualMachine'         = $obn + @{ Accept = @('VgpucTwin.PowerCLI.VirtualMachine') }
                'VMHost'                 = $obn + @{ Accept = @('VgpucTwin.PowerCLI.VMHost') }
                'Cluster'                = $obn + @{ Accept = @('VgpucTwin.PowerCLI.Cluster') }
                'VIContainer'            = $obn + @{ Accept = @('VgpucTwin.PowerCLI.Cluster', 'VgpucTwin.PowerCLI.VMHost') }
                'VIObject'               = @{ Names = $false; Accept = @('VgpucTwin.PowerCLI.VIServer', 'VgpucTwin.PowerCLI.VirtualMachine', 'VgpucTwin.PowerCLI.VMHost', 'VgpucTwin.PowerCLI.Cluster') }
                'AdvancedSetting'        = @{ Names = $false; Accept = @('VgpucTwin.PowerCLI.AdvancedSetting') }
                'DrsClusterGroup'        = $obn + @{ Accept = @('VgpucTwin.PowerCLI.DrsClusterGroup') }
                'DrsClusterVMGroup'      = $obn + @{ Accept = @('VgpucTwin.PowerCLI.DrsClusterVMGroup') }
                'DrsClusterVMHostGroup'  = $obn + @{ Accept = @('VgpucTwin.PowerCLI.DrsClusterVMHostGroup') }
                'DrsVMHostRule'          = $obn + @{ Accept = @('VgpucTwin.PowerCLI.DrsVMHostRule') }
                'ManagedObjectReference' = @{ Names = $true; Accept = @('VMware.Vim.ManagedObjectReference') }
                'Type'                   = @{ Names = $true; Accept = @('type') }
                'Object'                 = @{ Type = 'object' }
                'Decimal'                = @{ Type = 'decimal' }
                'AdvancedSettingType'    = @{ Type = 'string' }
                'ScriptType'             = @{ Type = 'string' }
                'SecureString'           = @{ Type = 'securestring' }
                'PciDeviceClass'         = @{ Type = 'VMware.VimAutomation.ViCore.Types.V1.Host.PciDeviceClass' }
                'VMHostState'            = @{ Type = 'VMware.VimAutomation.ViCore.Types.V1.Inventory.VMHostState' }
                'DrsVMHostRuleType'      = @{ Type = 'VMware.VimAutomation.ViCore.Types.V1.Cluster.DrsVMHostRuleType' }
                'DrsClusterGroupType'    = @{ Type = 'VMware.VimAutomation.ViCore.Types.V1.Cluster.DrsClusterGroupType' }
            }
        }
    )
    ModelFile     = 'VSphere.State.ps1'
    EngineFiles   = @('VSphere.Model.ps1', 'VSphere.Cmdlets.ps1', 'VSphere.Guest.ps1', 'VSphere.Engine.ps1')
    ValidateState = 'Test-VSphereState'
}
