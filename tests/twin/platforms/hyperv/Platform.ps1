# Platform.ps1 - the Hyper-V family platform of the twin ("platform": "hyperv"):
# which cmdlet tables give the bindings, which files make up the engine and the
# native tools, and the functions of Model.ps1 that validate a state and fail a
# node. Twin.psm1 discovers every platforms/<name>/Platform.ps1; a new platform
# (vSphere, issue 12) adds its own folder.
@{
    Name          = 'hyperv'
    CmdletTables  = @(
        @{ Cmdlets = '../../../validators/cmdlets/hyperv-cmdlets.tsv'; Details = '../../../validators/cmdlets/hyperv-cmdlet-param-details.tsv' }
    )
    ModelFile     = 'Model.ps1'
    EngineFiles   = @('Model.ps1', 'Behaviours.ps1', 'Cluster.ps1', 'Maintenance.ps1', 'Tools.ps1', 'Guest.ps1')
    ToolModules   = 'ToolModules.ps1'
    ValidateState = 'Test-HvState'
    NodeFailure   = 'Invoke-HvNodeFailure'
}
