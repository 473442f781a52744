// PowerCliTypes.cs - the objects the simulated PowerCLI cmdlets return (test code).
//
// Property names from the PowerCLI reference "structures" pages
// (developer.broadcom.com/powercli/latest/vmware.vimautomation.core/structures/...):
// VirtualMachine, VMHost, Cluster, VIServer, AdvancedSetting, DrsClusterVMGroup,
// DrsClusterVMHostGroup, DrsVMHostRule, VMHostPciDevice, VMScriptResult
// (vmware.vimautomation.vicore.types.v1.vm.guest.vmscriptresult: ExitCode, Item, Length,
// ScriptOutput, Uid, VM; Item, the indexer over the output's characters, is left out). Only the members the twin models are
// declared, so a script reading any other member fails under StrictMode (the twin README says
// which). Each object remembers the server it came from (TwinServer), as PowerCLI objects do
// through their Uid, so a cmdlet given the object acts on that server.
using System;

namespace VMware.VimAutomation.ViCore.Types.V1.Inventory
{
    public enum PowerState { PoweredOff, PoweredOn, Suspended }
    public enum VMHostState { Connected, Disconnected, NotResponding, Maintenance, Unknown }
}

namespace VMware.VimAutomation.Sdk.Types.V1
{
    // The PowerCLI Task's State (TaskState): the members of the vSphere API's TaskInfoState
    // (queued, running, success, error; vim.TaskInfo.State), which PowerCLI's TaskState
    // mirrors; the PowerCLI reference lists the type, not its members (tests/twin/README.md).
    public enum TaskState { Queued, Running, Success, Error }
}

namespace VMware.VimAutomation.ViCore.Types.V1.Cluster
{
    public enum DrsVMHostRuleType { MustRunOn, ShouldRunOn, MustNotRunOn, ShouldNotRunOn }
    public enum DrsClusterGroupType { VMGroup, VMHostGroup, All }
}

namespace VMware.VimAutomation.ViCore.Types.V1.Host
{
    public enum PciDeviceClass
    {
        Unknown, MassStorageController, NetworkController, DisplayController, MultimediaDevice,
        MemoryController, Bridge, CommunicationController, GenericSystemPeripheral, InputDevice,
        DockingStation, Processor, SerialBusController, WirelessController, IntelligentDevice,
        SatelliteCommunicationController, EncryptionController, SignalProcessingController,
        ProcessingAccelerators, NonEssentialInstrumentation, Coprocessor, UnassignedClass
    }
}

namespace VgpucTwin.PowerCLI
{
    using VMware.VimAutomation.ViCore.Types.V1.Inventory;
    using VMware.VimAutomation.ViCore.Types.V1.Cluster;
    using VMware.VimAutomation.ViCore.Types.V1.Host;

    public abstract class VIObjectBase
    {
        [System.ComponentModel.Browsable(false)]
        public string TwinServer { get; set; }
        public string Id { get; set; }
        public string Uid { get; set; }
    }

    public class VIServer
    {
        public string Name { get; set; }
        public int Port { get; set; }
        public string User { get; set; }
        public bool IsConnected { get; set; }
        public string Version { get; set; }
        public string ProductLine { get; set; }
        public string Id { get; set; }
        public string Uid { get; set; }
        public override string ToString() { return Name; }
    }

    public class Cluster : VIObjectBase
    {
        public string Name { get; set; }
        public bool DrsEnabled { get; set; }
        public VMware.Vim.ClusterComputeResource ExtensionData { get; set; }
        public override string ToString() { return Name; }
    }

    public class VMHost : VIObjectBase
    {
        public string Name { get; set; }
        public VMHostState ConnectionState { get; set; }
        public string Version { get; set; }
        public string ParentId { get; set; }
        public VMware.Vim.HostSystem ExtensionData { get; set; }
        public override string ToString() { return Name; }
    }

    // A task of a cmdlet run with -RunAsync (Set-VMHost -State Maintenance -RunAsync), as
    // Get-Task returns it: the members of the PowerCLI Task structure
    // (vmware.vimautomation.sdk.types.v1.task): Description, FinishTime, Id, IsCancelable,
    // Name, ObjectId, PercentComplete, Result, StartTime, State, Uid. No ExtensionData.
    public class Task : VIObjectBase
    {
        public string Description { get; set; }
        public DateTime? FinishTime { get; set; }
        public bool IsCancelable { get; set; }
        public string Name { get; set; }
        public string ObjectId { get; set; }
        public float PercentComplete { get; set; }
        public object Result { get; set; }
        public DateTime? StartTime { get; set; }
        public VMware.VimAutomation.Sdk.Types.V1.TaskState State { get; set; }
        public override string ToString() { return Id; }
    }

    public class VirtualMachine : VIObjectBase
    {
        public string Name { get; set; }
        public PowerState PowerState { get; set; }
        public VMHost VMHost { get; set; }
        public string VMHostId { get; set; }
        public int MemoryMB { get; set; }
        public decimal MemoryGB { get; set; }
        public string HardwareVersion { get; set; }
        public VMware.Vim.VirtualMachine ExtensionData { get; set; }
        public override string ToString() { return Name; }
    }

    public class AdvancedSetting : VIObjectBase
    {
        public string Name { get; set; }
        public object Value { get; set; }
        public string Type { get; set; }
        public string Description { get; set; }
        public object Entity { get; set; }
        public override string ToString() { return Name; }
    }

    public abstract class DrsClusterGroup : VIObjectBase
    {
        public string Name { get; set; }
        public Cluster Cluster { get; set; }
        public DrsClusterGroupType GroupType { get; set; }
        public override string ToString() { return Name; }
    }

    public class DrsClusterVMGroup : DrsClusterGroup
    {
        public VirtualMachine[] Member { get; set; }
    }

    public class DrsClusterVMHostGroup : DrsClusterGroup
    {
        public VMHost[] Member { get; set; }
    }

    public class DrsVMHostRule : VIObjectBase
    {
        public string Name { get; set; }
        public Cluster Cluster { get; set; }
        public bool Enabled { get; set; }
        public DrsVMHostRuleType Type { get; set; }
        public DrsClusterVMGroup VMGroup { get; set; }
        public DrsClusterVMHostGroup VMHostGroup { get; set; }
        public override string ToString() { return Name; }
    }

    public class VMHostPciDevice : VIObjectBase
    {
        public string Name { get; set; }
        public string DeviceName { get; set; }
        public string VendorName { get; set; }
        public short VendorId { get; set; }
        public short DeviceId { get; set; }
        public short SubVendorId { get; set; }
        public short SubDeviceId { get; set; }
        public byte ClassId { get; set; }
        public PciDeviceClass DeviceClass { get; set; }
        public VMHost VMHost { get; set; }
        public override string ToString() { return Name; }
    }

    public class VMScriptResult : VIObjectBase
    {
        public int ExitCode { get; set; }
        public string ScriptOutput { get; set; }
        public int Length { get { return ScriptOutput == null ? 0 : ScriptOutput.Length; } }
        public VirtualMachine VM { get; set; }
        public override string ToString() { return ScriptOutput; }
    }
}
