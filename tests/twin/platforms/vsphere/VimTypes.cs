// VimTypes.cs - the VMware.Vim types of the vSphere twin (test code, never shipped).
//
// The data objects and managed-object views a generated PowerCLI script touches, with the
// property names of the vSphere API reference (developer.broadcom.com/xapis/
// virtual-infrastructure-json-api/latest/data-structures/<Type>, PascalCase as in the
// VMware.Vim .NET binding that PowerCLI ships). They are real .NET classes, so a misspelt
// property (`$spec.DeviceChanges`, `$backing.VGpuProfile`) fails under StrictMode as it does
// with PowerCLI. Only the members the twin models are declared: a real member the twin does
// not know is also an error here, and the twin README lists what is modelled.
//
// Methods of managed objects (ReconfigVM_Task, UpdateGraphicsConfig, ...) call VimTwin.Call,
// which the PowerShell model (VSphere.psm1) sets to a script block: the model checks the call
// against the simulated vCenter and throws the fault a real vCenter would raise.
using System;
using System.Management.Automation;

namespace VMware.Vim
{
    // ---- plumbing ------------------------------------------------------------------------
    public static class VimTwin
    {
        // One handler per runspace (each simulated machine of the twin is a runspace):
        // param($server, $type, $moid, $method, [object[]]$arguments)
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, ScriptBlock> Handlers =
            new System.Collections.Concurrent.ConcurrentDictionary<Guid, ScriptBlock>();

        public static void SetHandler(ScriptBlock handler)
        {
            var rs = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
            Handlers[rs == null ? Guid.Empty : rs.InstanceId] = handler;
        }

        public static object Call(ManagedObjectReference moRef, string server, string method, params object[] args)
        {
            var rs = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
            ScriptBlock handler;
            if (!Handlers.TryGetValue(rs == null ? Guid.Empty : rs.InstanceId, out handler))
                throw new InvalidOperationException("the vSphere twin is not loaded in this runspace");
            var result = handler.InvokeReturnAsIs(server, moRef.Type, moRef.Value, method, args);
            if (result is PSObject pso) return pso.BaseObject;
            return result;
        }
    }

    public class DynamicData { }

    public class ManagedObjectReference
    {
        public string Type { get; set; }
        public string Value { get; set; }
        public ManagedObjectReference() { }
        public ManagedObjectReference(string type, string value) { Type = type; Value = value; }
        public override string ToString() { return Type + "-" + Value; }
    }

    // Base of every view Get-View returns: MoRef, and the server it came from (PowerCLI keeps it
    // in the view's Client; the twin keeps only the server name).
    public abstract class ViewBase
    {
        public ManagedObjectReference MoRef { get; set; }
        [System.ComponentModel.Browsable(false)]
        public string TwinServer { get; set; }
        protected object Invoke(string method, params object[] args)
        {
            return VimTwin.Call(MoRef, TwinServer, method, args);
        }
        // Refresh the properties from the live (simulated) server, as PowerCLI's UpdateViewData().
        public void UpdateViewData(params string[] properties)
        {
            var fresh = Invoke("UpdateViewData");
            if (fresh == null) return;
            foreach (var p in GetType().GetProperties())
                if (p.CanWrite) p.SetValue(this, p.GetValue(fresh));
        }
    }

    public class OptionValue : DynamicData
    {
        public string Key { get; set; }
        public object Value { get; set; }
    }

    public class Description : DynamicData
    {
        public string Label { get; set; }
        public string Summary { get; set; }
    }

    public class LocalizedMethodFault : DynamicData
    {
        public object Fault { get; set; }
        public string LocalizedMessage { get; set; }
    }

    // ---- virtual devices -----------------------------------------------------------------
    public class VirtualDeviceBackingInfo : DynamicData { }

    public class VirtualDeviceDeviceBackingInfo : VirtualDeviceBackingInfo
    {
        public string DeviceName { get; set; }
        public bool? UseAutoDetect { get; set; }
    }

    public class VirtualDevice : DynamicData
    {
        public int Key { get; set; }
        public Description DeviceInfo { get; set; }
        public VirtualDeviceBackingInfo Backing { get; set; }
        public int? ControllerKey { get; set; }
        public int? UnitNumber { get; set; }
    }

    public class VirtualPCIPassthrough : VirtualDevice { }

    public class VirtualPCIPassthroughPluginBackingInfo : VirtualDeviceBackingInfo { }

    // vim.vm.device.VirtualPCIPassthrough.VmiopBackingInfo: the vGPU profile.
    public class VirtualPCIPassthroughVmiopBackingInfo : VirtualPCIPassthroughPluginBackingInfo
    {
        public string Vgpu { get; set; }
        public bool? MigrateSupported { get; set; }
        public bool? EnhancedMigrateCapability { get; set; }
        public int? VgpuMigrateDataSizeMB { get; set; }
    }

    // Static DirectPath I/O (tied to one host's device).
    public class VirtualPCIPassthroughDeviceBackingInfo : VirtualDeviceDeviceBackingInfo
    {
        public string Id { get; set; }
        public string DeviceId { get; set; }
        public string SystemId { get; set; }
        public short VendorId { get; set; }
    }

    public class VirtualPCIPassthroughAllowedDevice : DynamicData
    {
        public int VendorId { get; set; }
        public int DeviceId { get; set; }
        public int? SubVendorId { get; set; }
        public int? SubDeviceId { get; set; }
        public short? RevisionId { get; set; }
    }

    // Dynamic DirectPath I/O (vSphere 7.0+): any host with a matching device.
    public class VirtualPCIPassthroughDynamicBackingInfo : VirtualDeviceDeviceBackingInfo
    {
        public VirtualPCIPassthroughAllowedDevice[] AllowedDevice { get; set; }
        public string CustomLabel { get; set; }
        public string AssignedId { get; set; }
    }

    public enum VirtualDeviceConfigSpecOperation { add, remove, edit }
    public enum VirtualDeviceConfigSpecFileOperation { create, destroy, replace }

    public class VirtualDeviceConfigSpec : DynamicData
    {
        public VirtualDeviceConfigSpecOperation? Operation { get; set; }
        public VirtualDeviceConfigSpecFileOperation? FileOperation { get; set; }
        public VirtualDevice Device { get; set; }
    }

    // ---- virtual machine -----------------------------------------------------------------
    public class VirtualMachineConfigSpec : DynamicData
    {
        public string ChangeVersion { get; set; }
        public string Name { get; set; }
        public string Version { get; set; }
        public string Annotation { get; set; }
        public string GuestId { get; set; }
        public int? NumCPUs { get; set; }
        public int? NumCoresPerSocket { get; set; }
        public long? MemoryMB { get; set; }
        public bool? MemoryHotAddEnabled { get; set; }
        public bool? CpuHotAddEnabled { get; set; }
        public bool? MemoryReservationLockedToMax { get; set; }
        public string Firmware { get; set; }
        public VirtualDeviceConfigSpec[] DeviceChange { get; set; }
        public OptionValue[] ExtraConfig { get; set; }
    }

    public class VirtualHardware : DynamicData
    {
        public int NumCPU { get; set; }
        public int MemoryMB { get; set; }
        public VirtualDevice[] Device { get; set; }
    }

    public class VirtualMachineConfigInfo : DynamicData
    {
        public string Name { get; set; }
        public string Version { get; set; }
        public string Uuid { get; set; }
        public string InstanceUuid { get; set; }
        public string Firmware { get; set; }
        public bool? MemoryReservationLockedToMax { get; set; }
        public VirtualHardware Hardware { get; set; }
        public OptionValue[] ExtraConfig { get; set; }
    }

    public enum VirtualMachinePowerState { poweredOff, poweredOn, suspended }
    public enum VirtualMachineConnectionState { connected, disconnected, orphaned, inaccessible, invalid }

    public class VirtualMachineRuntimeInfo : DynamicData
    {
        public ManagedObjectReference Host { get; set; }
        public VirtualMachineConnectionState ConnectionState { get; set; }
        public VirtualMachinePowerState PowerState { get; set; }
    }

    public class GuestInfo : DynamicData
    {
        // guestToolsRunning | guestToolsNotRunning (VirtualMachineToolsRunningStatus)
        public string ToolsRunningStatus { get; set; }
        // running | notRunning ...
        public string GuestState { get; set; }
        // windowsGuest | linuxGuest ... (VirtualMachineGuestOsFamily), reported by VMware
        // Tools: unset while Tools do not run
        public string GuestFamily { get; set; }
    }

    public class VirtualMachine : ViewBase
    {
        public string Name { get; set; }
        public VirtualMachineConfigInfo Config { get; set; }
        public VirtualMachineRuntimeInfo Runtime { get; set; }
        public GuestInfo Guest { get; set; }

        public ManagedObjectReference ReconfigVM_Task(VirtualMachineConfigSpec spec) { return (ManagedObjectReference)Invoke("ReconfigVM_Task", spec); }
        public void ReconfigVM(VirtualMachineConfigSpec spec) { Invoke("ReconfigVM", spec); }
        public void ShutdownGuest() { Invoke("ShutdownGuest"); }
        public ManagedObjectReference PowerOnVM_Task(ManagedObjectReference host) { return (ManagedObjectReference)Invoke("PowerOnVM_Task", host); }
        public void PowerOnVM(ManagedObjectReference host) { Invoke("PowerOnVM", host); }
        public ManagedObjectReference PowerOffVM_Task() { return (ManagedObjectReference)Invoke("PowerOffVM_Task"); }
        public void PowerOffVM() { Invoke("PowerOffVM"); }
    }

    // ---- tasks ---------------------------------------------------------------------------
    public enum TaskInfoState { queued, running, success, error }

    public class TaskInfo : DynamicData
    {
        public string Key { get; set; }
        public ManagedObjectReference Task { get; set; }
        public string DescriptionId { get; set; }
        public ManagedObjectReference Entity { get; set; }
        public string EntityName { get; set; }
        public TaskInfoState State { get; set; }
        public LocalizedMethodFault Error { get; set; }
        public object Result { get; set; }
    }

    public class Task : ViewBase
    {
        public TaskInfo Info { get; set; }
    }

    // ---- host ----------------------------------------------------------------------------
    public class HostConfigManager : DynamicData
    {
        public ManagedObjectReference GraphicsManager { get; set; }
        public ManagedObjectReference PciPassthruSystem { get; set; }
        public ManagedObjectReference ServiceSystem { get; set; }
        // HostConfigManager.kernelModuleSystem: the HostKernelModuleSystem of the host.
        public ManagedObjectReference KernelModuleSystem { get; set; }
    }

    public enum HostSystemConnectionState { connected, notResponding, disconnected }
    public enum HostSystemPowerState { poweredOn, poweredOff, standBy, unknown }

    public class HostRuntimeInfo : DynamicData
    {
        public HostSystemConnectionState ConnectionState { get; set; }
        public HostSystemPowerState PowerState { get; set; }
        public bool InMaintenanceMode { get; set; }
        // HostRuntimeInfo.bootTime: when the host booted (from state hosts[].boot_count; unset when absent).
        public DateTime? BootTime { get; set; }
    }

    public class HostPciDevice : DynamicData
    {
        public string Id { get; set; }
        public byte ClassId { get; set; }
        public short VendorId { get; set; }
        public short DeviceId { get; set; }
        public short SubVendorId { get; set; }
        public short SubDeviceId { get; set; }
        public string VendorName { get; set; }
        public string DeviceName { get; set; }
    }

    public class HostHardwareInfo : DynamicData
    {
        public HostPciDevice[] PciDevice { get; set; }
    }

    public class AboutInfo : DynamicData
    {
        public string Name { get; set; }
        public string Version { get; set; }
        public string Build { get; set; }
    }

    public class HostConfigInfo : DynamicData
    {
        public AboutInfo Product { get; set; }
        public HostGraphicsInfo[] GraphicsInfo { get; set; }
        public HostGraphicsConfig GraphicsConfig { get; set; }
        public HostPciPassthruInfo[] PciPassthruInfo { get; set; }
    }

    public class HostSystem : ViewBase
    {
        public string Name { get; set; }
        public ManagedObjectReference Parent { get; set; }
        public HostConfigManager ConfigManager { get; set; }
        public HostRuntimeInfo Runtime { get; set; }
        public HostHardwareInfo Hardware { get; set; }
        public HostConfigInfo Config { get; set; }
        public ManagedObjectReference[] Vm { get; set; }

        public ManagedObjectReference RebootHost_Task(bool force) { return (ManagedObjectReference)Invoke("RebootHost_Task", force); }
        public void RebootHost(bool force) { Invoke("RebootHost", force); }
    }

    // vim.host.GraphicsConfig
    public class HostGraphicsConfigDeviceType : DynamicData
    {
        public string DeviceId { get; set; }
        public string GraphicsType { get; set; }
        public string VgpuMode { get; set; }
    }

    public class HostGraphicsConfig : DynamicData
    {
        public string HostDefaultGraphicsType { get; set; }
        public string SharedPassthruAssignmentPolicy { get; set; }
        public HostGraphicsConfigDeviceType[] DeviceType { get; set; }
    }

    // vim.host.GraphicsInfo: the ACTIVE state of one graphics device.
    public class HostGraphicsInfo : DynamicData
    {
        public string DeviceName { get; set; }
        public string VendorName { get; set; }
        public string PciId { get; set; }
        public string GraphicsType { get; set; }
        public string VgpuMode { get; set; }
        public long MemorySizeInKB { get; set; }
        public ManagedObjectReference[] Vm { get; set; }
    }

    public class HostGraphicsManager : ViewBase
    {
        public HostGraphicsConfig GraphicsConfig { get; set; }
        public HostGraphicsInfo[] GraphicsInfo { get; set; }
        public string[] SharedPassthruGpuTypes { get; set; }

        public void UpdateGraphicsConfig(HostGraphicsConfig config) { Invoke("UpdateGraphicsConfig", config); }
        public void RefreshGraphicsManager() { Invoke("RefreshGraphicsManager"); }
        public bool IsSharedGraphicsActive() { return (bool)Invoke("IsSharedGraphicsActive"); }
    }

    // vim.host.PciPassthruInfo / PciPassthruConfig / PciPassthruSystem
    public class HostPciPassthruInfo : DynamicData
    {
        public string Id { get; set; }
        public string DependentDevice { get; set; }
        public bool PassthruEnabled { get; set; }
        public bool PassthruCapable { get; set; }
        public bool PassthruActive { get; set; }
        public string HardwareLabel { get; set; }
    }

    public class HostPciPassthruConfig : DynamicData
    {
        public string Id { get; set; }
        public bool PassthruEnabled { get; set; }
        public bool? ApplyNow { get; set; }
        public string HardwareLabel { get; set; }
    }

    public class HostPciPassthruSystem : ViewBase
    {
        public HostPciPassthruInfo[] PciPassthruInfo { get; set; }

        public void UpdatePassthruConfig(HostPciPassthruConfig[] config) { Invoke("UpdatePassthruConfig", new object[] { config }); }
        public void Refresh() { Invoke("Refresh"); }
    }

    // vim.host.ServiceSystem (xorg is one of its services)
    public class HostService : DynamicData
    {
        public string Key { get; set; }
        public string Label { get; set; }
        public bool Required { get; set; }
        public bool Uninstallable { get; set; }
        public bool Running { get; set; }
        public string Policy { get; set; }
    }

    public class HostServiceInfo : DynamicData
    {
        public HostService[] Service { get; set; }
    }

    public class HostServiceSystem : ViewBase
    {
        public HostServiceInfo ServiceInfo { get; set; }

        public void RestartService(string id) { Invoke("RestartService", id); }
        public void StartService(string id) { Invoke("StartService", id); }
        public void StopService(string id) { Invoke("StopService", id); }
        public void RefreshServices() { Invoke("RefreshServices"); }
    }

    // vim.host.KernelModuleSystem.ModuleInfo (KernelModuleInfo): the fields the twin models.
    public class KernelModuleInfo : DynamicData
    {
        public int Id { get; set; }
        public string Name { get; set; }
        public string Version { get; set; }
        public string Filename { get; set; }
        public bool Loaded { get; set; }
        public bool Enabled { get; set; }
        public int UseCount { get; set; }
    }

    // vim.host.KernelModuleSystem: QueryModules() takes no argument (vSphere API 4.0).
    public class HostKernelModuleSystem : ViewBase
    {
        public KernelModuleInfo[] QueryModules()
        {
            var r = Invoke("QueryModules");
            if (r == null) return new KernelModuleInfo[0];
            if (r is KernelModuleInfo[] a) return a;
            if (r is KernelModuleInfo one) return new KernelModuleInfo[] { one };
            var list = new System.Collections.Generic.List<KernelModuleInfo>();
            foreach (var o in (System.Collections.IEnumerable)r)
                list.Add((KernelModuleInfo)(o is PSObject p ? p.BaseObject : o));
            return list.ToArray();
        }
    }

    // ---- cluster -------------------------------------------------------------------------
    public class ClusterGroupInfo : DynamicData
    {
        public string Name { get; set; }
        public bool? UserCreated { get; set; }
    }

    public class ClusterVmGroup : ClusterGroupInfo
    {
        public ManagedObjectReference[] Vm { get; set; }
    }

    public class ClusterHostGroup : ClusterGroupInfo
    {
        public ManagedObjectReference[] Host { get; set; }
    }

    public class ClusterRuleInfo : DynamicData
    {
        public int? Key { get; set; }
        public string Name { get; set; }
        public bool? Enabled { get; set; }
        public bool? Mandatory { get; set; }
        public bool? UserCreated { get; set; }
    }

    public class ClusterVmHostRuleInfo : ClusterRuleInfo
    {
        public string VmGroupName { get; set; }
        public string AffineHostGroupName { get; set; }
        public string AntiAffineHostGroupName { get; set; }
    }

    public class ClusterDrsConfigInfo : DynamicData
    {
        public bool? Enabled { get; set; }
    }

    public class ClusterConfigInfoEx : DynamicData
    {
        public ClusterDrsConfigInfo DrsConfig { get; set; }
        public ClusterGroupInfo[] Group { get; set; }
        public ClusterRuleInfo[] Rule { get; set; }
    }

    public class ClusterComputeResource : ViewBase
    {
        public string Name { get; set; }
        public ManagedObjectReference[] Host { get; set; }
        public ClusterConfigInfoEx ConfigurationEx { get; set; }
        // ComputeResource.lifecycleManaged (vSphere API 7.0): the cluster is managed with a
        // single vSphere Lifecycle Manager image. Unset (null) where the state does not say.
        public bool? LifecycleManaged { get; set; }
    }

    // The vCenter root (Get-View ServiceInstance is not modelled; OptionManager holds the
    // vCenter advanced settings that Get-AdvancedSetting -Entity $global:DefaultVIServer reads).
}
