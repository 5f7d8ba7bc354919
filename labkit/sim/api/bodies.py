"""The request bodies of the Engine API: which Go struct the engine decodes each into, and how it
answers one it cannot decode (Docker Engine 20.10's handlers, observed on the engine and recorded
in tests/data/engine-api-errors.json).

The router decodes a body here before any route sees it (gojson.decode: Go's rules and texts), so
a route gets a dict whose keys are spelled as the engine's structs spell them, with values of the
right types, and a mistyped body never reaches the model.

How the engine answers a body it cannot decode, per endpoint:
- `json_only`: it first wants `Content-Type: application/json` when a body is sent
  (400 "Content-Type specified (text/plain) must be 'application/json'");
- `eof`: an empty body is 400 "got EOF while reading request body" where the handler says so, or
  Go's own "EOF" (container create and update pass Go's error through: status 500);
- `status`: 400 where the handler marks the error as the client's, 500 where it passes it through.
Endpoints whose body is an archive (RAW_BODIES) get the bytes as sent; the others' bodies are
ignored, as the engine ignores them.
"""
from __future__ import annotations

from dataclasses import dataclass

from .gojson import (BOOL, DURATION, INT, INT64, STRING, UINT16, UINT32, UINT64, Float, Int, Map, Ptr,
                     Slice, StrSlice, Struct, named, struct)

STRINGS = Slice("[]string", STRING)
LABELS = Map("map[string]string", STRING)
STRSLICE = StrSlice()
FILEMODE = Int("fs.FileMode", 32, False)

# -- networks (types.NetworkCreateRequest, NetworkConnect, NetworkDisconnect) ------------------------
IPAM_CONFIG = struct("network.IPAMConfig", Subnet=STRING, IPRange=STRING, Gateway=STRING, AuxiliaryAddresses=LABELS)
IPAM = struct("network.IPAM", Driver=STRING, Options=LABELS, Config=Slice("[]network.IPAMConfig", IPAM_CONFIG))
NETWORK_CREATE_BASE = struct(
    "types.NetworkCreate", CheckDuplicate=BOOL, Driver=STRING, Scope=STRING, EnableIPv6=BOOL, IPAM=Ptr("*network.IPAM", IPAM),
    Internal=BOOL, Attachable=BOOL, Ingress=BOOL, ConfigOnly=BOOL,
    ConfigFrom=Ptr("*network.ConfigReference", struct("network.ConfigReference", Network=STRING)),
    Options=LABELS, Labels=LABELS)
NETWORK_CREATE = struct("types.NetworkCreateRequest", NETWORK_CREATE_BASE, Name=STRING)
ENDPOINT_IPAM = struct("network.EndpointIPAMConfig", IPv4Address=STRING, IPv6Address=STRING, LinkLocalIPs=STRINGS)
ENDPOINT_SETTINGS = struct(
    "network.EndpointSettings", IPAMConfig=Ptr("*network.EndpointIPAMConfig", ENDPOINT_IPAM), Links=STRINGS,
    Aliases=STRINGS, NetworkID=STRING, EndpointID=STRING, Gateway=STRING, IPAddress=STRING, IPPrefixLen=INT,
    IPv6Gateway=STRING, GlobalIPv6Address=STRING, GlobalIPv6PrefixLen=INT, MacAddress=STRING, DriverOpts=LABELS)
NETWORK_CONNECT = struct("types.NetworkConnect", Container=STRING,
                         EndpointConfig=Ptr("*network.EndpointSettings", ENDPOINT_SETTINGS))
NETWORK_DISCONNECT = struct("types.NetworkDisconnect", Container=STRING, Force=BOOL)

# -- containers (runconfig.ContainerConfigWrapper: container.Config, HostConfig, NetworkingConfig) ----
HEALTH = struct("container.HealthConfig", Test=STRINGS, Interval=DURATION, Timeout=DURATION, StartPeriod=DURATION,
                Retries=INT)
CONFIG = struct(
    "container.Config", Hostname=STRING, Domainname=STRING, User=STRING, AttachStdin=BOOL, AttachStdout=BOOL,
    AttachStderr=BOOL, ExposedPorts=Map("nat.PortSet", struct("struct {}")), Tty=BOOL, OpenStdin=BOOL,
    StdinOnce=BOOL, Env=STRINGS, Cmd=STRSLICE, Healthcheck=Ptr("*container.HealthConfig", HEALTH),
    ArgsEscaped=BOOL, Image=STRING, Volumes=Map("map[string]struct {}", struct("struct {}")), WorkingDir=STRING,
    Entrypoint=STRSLICE, NetworkDisabled=BOOL, MacAddress=STRING, OnBuild=STRINGS, Labels=LABELS,
    StopSignal=STRING, StopTimeout=Ptr("*int", INT), Shell=STRSLICE)
WEIGHT_DEVICE = struct("blkiodev.WeightDevice", Path=STRING, Weight=UINT16)
THROTTLE_DEVICE = struct("blkiodev.ThrottleDevice", Path=STRING, Rate=UINT64)
THROTTLES = Slice("[]*blkiodev.ThrottleDevice", Ptr("*blkiodev.ThrottleDevice", THROTTLE_DEVICE))
RESOURCES = struct(
    "container.Resources", CpuShares=INT64, Memory=INT64, NanoCpus=INT64, CgroupParent=STRING, BlkioWeight=UINT16,
    BlkioWeightDevice=Slice("[]*blkiodev.WeightDevice", Ptr("*blkiodev.WeightDevice", WEIGHT_DEVICE)),
    BlkioDeviceReadBps=THROTTLES, BlkioDeviceWriteBps=THROTTLES, BlkioDeviceReadIOps=THROTTLES,
    BlkioDeviceWriteIOps=THROTTLES, CpuPeriod=INT64, CpuQuota=INT64, CpuRealtimePeriod=INT64,
    CpuRealtimeRuntime=INT64, CpusetCpus=STRING, CpusetMems=STRING,
    Devices=Slice("[]container.DeviceMapping", struct("container.DeviceMapping", PathOnHost=STRING,
                                                      PathInContainer=STRING, CgroupPermissions=STRING)),
    DeviceCgroupRules=STRINGS,
    DeviceRequests=Slice("[]container.DeviceRequest", struct(
        "container.DeviceRequest", Driver=STRING, Count=INT, DeviceIDs=STRINGS,
        Capabilities=Slice("[][]string", STRINGS), Options=LABELS)),
    KernelMemory=INT64, KernelMemoryTCP=INT64, MemoryReservation=INT64, MemorySwap=INT64,
    MemorySwappiness=Ptr("*int64", INT64), OomKillDisable=Ptr("*bool", BOOL), PidsLimit=Ptr("*int64", INT64),
    Ulimits=Slice("[]*units.Ulimit", Ptr("*units.Ulimit", struct("units.Ulimit", Name=STRING, Hard=INT64, Soft=INT64))),
    CpuCount=INT64, CpuPercent=INT64, IOMaximumIOps=UINT64, IOMaximumBandwidth=UINT64)
RESTART_POLICY = struct("container.RestartPolicy", Name=STRING, MaximumRetryCount=INT)
MOUNT = struct(
    "mount.Mount", Type=named("mount.Type"), Source=STRING, Target=STRING, ReadOnly=BOOL,
    Consistency=named("mount.Consistency"),
    BindOptions=Ptr("*mount.BindOptions", struct("mount.BindOptions", Propagation=named("mount.Propagation"),
                                                 NonRecursive=BOOL)),
    VolumeOptions=Ptr("*mount.VolumeOptions", struct(
        "mount.VolumeOptions", NoCopy=BOOL, Labels=LABELS,
        DriverConfig=Ptr("*mount.Driver", struct("mount.Driver", Name=STRING, Options=LABELS)))),
    TmpfsOptions=Ptr("*mount.TmpfsOptions", struct("mount.TmpfsOptions", SizeBytes=INT64, Mode=FILEMODE)))
MOUNTS = Slice("[]mount.Mount", MOUNT)
HOST_CONFIG = struct(
    "container.HostConfig", RESOURCES, Binds=STRINGS, ContainerIDFile=STRING,
    LogConfig=struct("container.LogConfig", Type=STRING, Config=LABELS), NetworkMode=named("container.NetworkMode"),
    PortBindings=Map("nat.PortMap", Slice("[]nat.PortBinding", struct("nat.PortBinding", HostIp=STRING,
                                                                        HostPort=STRING))),
    RestartPolicy=RESTART_POLICY, AutoRemove=BOOL, VolumeDriver=STRING, VolumesFrom=STRINGS, CapAdd=STRSLICE,
    CapDrop=STRSLICE, CgroupnsMode=named("container.CgroupnsMode"), Dns=STRINGS, DnsOptions=STRINGS,
    DnsSearch=STRINGS, ExtraHosts=STRINGS, GroupAdd=STRINGS, IpcMode=named("container.IpcMode"),
    Cgroup=named("container.CgroupSpec"), Links=STRINGS, OomScoreAdj=INT, PidMode=named("container.PidMode"),
    Privileged=BOOL, PublishAllPorts=BOOL, ReadonlyRootfs=BOOL, SecurityOpt=STRINGS, StorageOpt=LABELS, Tmpfs=LABELS,
    UTSMode=named("container.UTSMode"), UsernsMode=named("container.UsernsMode"), ShmSize=INT64, Sysctls=LABELS,
    Runtime=STRING, ConsoleSize=Slice("[2]uint", Int("uint", 64, False), length=2),
    Isolation=named("container.Isolation"), Mounts=MOUNTS, MaskedPaths=STRINGS, ReadonlyPaths=STRINGS,
    Init=Ptr("*bool", BOOL))
NETWORKING_CONFIG = struct("network.NetworkingConfig", EndpointsConfig=Map(
    "map[string]*network.EndpointSettings", Ptr("*network.EndpointSettings", ENDPOINT_SETTINGS)))
# The deprecated embedded HostConfig puts its fields at the top level too (`{"Memory": ...}`).
CONTAINER_CREATE = struct(
    "runconfig.ContainerConfigWrapper", Ptr("*container.Config", CONFIG), Ptr("*container.HostConfig", HOST_CONFIG),
    HostConfig=Ptr("*container.HostConfig", HOST_CONFIG), Cpuset=STRING,
    NetworkingConfig=Ptr("*network.NetworkingConfig", NETWORKING_CONFIG))
VOLUME_CREATE = struct("volume.VolumeCreateBody", Driver=STRING, DriverOpts=LABELS, Labels=LABELS, Name=STRING)
CONTAINER_UPDATE = struct("container.UpdateConfig", RESOURCES, RestartPolicy=RESTART_POLICY)

# -- exec (types.ExecConfig, ExecStartCheck) -----------------------------------------------------------
EXEC_CREATE = struct("types.ExecConfig", User=STRING, Privileged=BOOL, Tty=BOOL, AttachStdin=BOOL,
                     AttachStderr=BOOL, AttachStdout=BOOL, Detach=BOOL, DetachKeys=STRING, Env=STRINGS,
                     WorkingDir=STRING, Cmd=STRINGS)
EXEC_START = struct("types.ExecStartCheck", Detach=BOOL, Tty=BOOL)

# -- swarm (swarm.InitRequest, JoinRequest, ServiceSpec) ---------------------------------------------
ANNOTATIONS = struct("swarm.Annotations", Name=STRING, Labels=LABELS)
DRIVER = struct("swarm.Driver", Name=STRING, Options=LABELS)
SWARM_SPEC = struct(
    "swarm.Spec", ANNOTATIONS,
    Orchestration=struct("swarm.OrchestrationConfig", TaskHistoryRetentionLimit=Ptr("*int64", INT64)),
    Raft=struct("swarm.RaftConfig", SnapshotInterval=UINT64, KeepOldSnapshots=Ptr("*uint64", UINT64),
                LogEntriesForSlowFollowers=UINT64, ElectionTick=INT, HeartbeatTick=INT),
    Dispatcher=struct("swarm.DispatcherConfig", HeartbeatPeriod=DURATION),
    CAConfig=struct("swarm.CAConfig", NodeCertExpiry=DURATION, ExternalCAs=Slice("[]*swarm.ExternalCA", Ptr(
        "*swarm.ExternalCA", struct("swarm.ExternalCA", Protocol=named("swarm.ExternalCAProtocol"), URL=STRING,
                                    Options=LABELS, CACert=STRING))),
        SigningCACert=STRING, SigningCAKey=STRING, ForceRotate=UINT64),
    TaskDefaults=struct("swarm.TaskDefaults", LogDriver=Ptr("*swarm.Driver", DRIVER)),
    EncryptionConfig=struct("swarm.EncryptionConfig", AutoLockManagers=BOOL))
AVAILABILITY = named("swarm.NodeAvailability")
SWARM_INIT = struct("swarm.InitRequest", ListenAddr=STRING, AdvertiseAddr=STRING, DataPathAddr=STRING,
                    DataPathPort=UINT32, ForceNewCluster=BOOL, Spec=SWARM_SPEC, AutoLockManagers=BOOL,
                    Availability=AVAILABILITY, DefaultAddrPool=STRINGS, SubnetSize=UINT32)
SWARM_JOIN = struct("swarm.JoinRequest", ListenAddr=STRING, AdvertiseAddr=STRING, DataPathAddr=STRING,
                    RemoteAddrs=STRINGS, JoinToken=STRING, Availability=AVAILABILITY)
FILE_TARGET = struct("swarm.SecretReferenceFileTarget", Name=STRING, UID=STRING, GID=STRING, Mode=FILEMODE)
CONFIG_TARGET = struct("swarm.ConfigReferenceFileTarget", Name=STRING, UID=STRING, GID=STRING, Mode=FILEMODE)
CONTAINER_SPEC = struct(
    "swarm.ContainerSpec", Image=STRING, Labels=LABELS, Command=STRINGS, Args=STRINGS, Hostname=STRING, Env=STRINGS,
    Dir=STRING, User=STRING, Groups=STRINGS,
    Privileges=Ptr("*swarm.Privileges", struct(
        "swarm.Privileges",
        CredentialSpec=Ptr("*swarm.CredentialSpec", struct("swarm.CredentialSpec", Config=STRING, File=STRING,
                                                           Registry=STRING)),
        SELinuxContext=Ptr("*swarm.SELinuxContext", struct("swarm.SELinuxContext", Disable=BOOL, User=STRING,
                                                           Role=STRING, Type=STRING, Level=STRING)))),
    Init=Ptr("*bool", BOOL), StopSignal=STRING, TTY=BOOL, OpenStdin=BOOL, ReadOnly=BOOL, Mounts=MOUNTS,
    StopGracePeriod=Ptr("*time.Duration", DURATION), Healthcheck=Ptr("*container.HealthConfig", HEALTH),
    Hosts=STRINGS, DNSConfig=Ptr("*swarm.DNSConfig", struct("swarm.DNSConfig", Nameservers=STRINGS, Search=STRINGS,
                                                              Options=STRINGS)),
    Secrets=Slice("[]*swarm.SecretReference", Ptr("*swarm.SecretReference", struct(
        "swarm.SecretReference", File=Ptr("*swarm.SecretReferenceFileTarget", FILE_TARGET), SecretID=STRING,
        SecretName=STRING))),
    Configs=Slice("[]*swarm.ConfigReference", Ptr("*swarm.ConfigReference", struct(
        "swarm.ConfigReference", File=Ptr("*swarm.ConfigReferenceFileTarget", CONFIG_TARGET),
        Runtime=Ptr("*swarm.ConfigReferenceRuntimeTarget", struct("swarm.ConfigReferenceRuntimeTarget")),
        ConfigID=STRING, ConfigName=STRING))),
    Isolation=named("container.Isolation"), Sysctls=LABELS, CapabilityAdd=STRINGS, CapabilityDrop=STRINGS,
    Ulimits=Slice("[]*units.Ulimit", Ptr("*units.Ulimit", struct("units.Ulimit", Name=STRING, Hard=INT64,
                                                                 Soft=INT64))))
ATTACHMENTS = Slice("[]swarm.NetworkAttachmentConfig", struct(
    "swarm.NetworkAttachmentConfig", Target=STRING, Aliases=STRINGS, DriverOpts=LABELS))
GENERIC = Slice("[]swarm.GenericResource", struct(
    "swarm.GenericResource",
    NamedResourceSpec=Ptr("*swarm.NamedGenericResource", struct("swarm.NamedGenericResource", Kind=STRING,
                                                                Value=STRING)),
    DiscreteResourceSpec=Ptr("*swarm.DiscreteGenericResource", struct("swarm.DiscreteGenericResource", Kind=STRING,
                                                                      Value=INT64))))
UPDATE_CONFIG = struct("swarm.UpdateConfig", Parallelism=UINT64, Delay=DURATION, FailureAction=STRING,
                       Monitor=DURATION, MaxFailureRatio=Float("float32", 32), Order=STRING)
TASK_SPEC = struct(
    "swarm.TaskSpec", ContainerSpec=Ptr("*swarm.ContainerSpec", CONTAINER_SPEC),
    PluginSpec=Ptr("*runtime.PluginSpec", struct(
        "runtime.PluginSpec", name=STRING, remote=STRING, privileges=Slice("[]*runtime.PluginPrivilege", Ptr(
            "*runtime.PluginPrivilege", struct("runtime.PluginPrivilege", name=STRING, description=STRING,
                                               value=STRINGS))),
        disabled=BOOL, env=STRINGS)),
    NetworkAttachmentSpec=Ptr("*swarm.NetworkAttachmentSpec", struct("swarm.NetworkAttachmentSpec",
                                                                     ContainerID=STRING)),
    Resources=Ptr("*swarm.ResourceRequirements", struct(
        "swarm.ResourceRequirements",
        Limits=Ptr("*swarm.Limit", struct("swarm.Limit", NanoCPUs=INT64, MemoryBytes=INT64, Pids=INT64)),
        Reservations=Ptr("*swarm.Resources", struct("swarm.Resources", NanoCPUs=INT64, MemoryBytes=INT64,
                                                    GenericResources=GENERIC)))),
    RestartPolicy=Ptr("*swarm.RestartPolicy", struct(
        "swarm.RestartPolicy", Condition=named("swarm.RestartPolicyCondition"), Delay=Ptr("*time.Duration", DURATION),
        MaxAttempts=Ptr("*uint64", UINT64), Window=Ptr("*time.Duration", DURATION))),
    Placement=Ptr("*swarm.Placement", struct(
        "swarm.Placement", Constraints=STRINGS,
        Preferences=Slice("[]swarm.PlacementPreference", struct(
            "swarm.PlacementPreference", Spread=Ptr("*swarm.SpreadOver", struct("swarm.SpreadOver",
                                                                                 SpreadDescriptor=STRING)))),
        MaxReplicas=UINT64,
        Platforms=Slice("[]swarm.Platform", struct("swarm.Platform", Architecture=STRING, OS=STRING)))),
    Networks=ATTACHMENTS, LogDriver=Ptr("*swarm.Driver", DRIVER), ForceUpdate=UINT64,
    Runtime=named("swarm.RuntimeType"))
SERVICE_SPEC = struct(
    "swarm.ServiceSpec", ANNOTATIONS, TaskTemplate=TASK_SPEC,
    Mode=struct("swarm.ServiceMode",
                Replicated=Ptr("*swarm.ReplicatedService", struct("swarm.ReplicatedService",
                                                                  Replicas=Ptr("*uint64", UINT64))),
                Global=Ptr("*swarm.GlobalService", struct("swarm.GlobalService")),
                ReplicatedJob=Ptr("*swarm.ReplicatedJob", struct("swarm.ReplicatedJob",
                                                                 MaxConcurrent=Ptr("*uint64", UINT64),
                                                                 TotalCompletions=Ptr("*uint64", UINT64))),
                GlobalJob=Ptr("*swarm.GlobalJob", struct("swarm.GlobalJob"))),
    UpdateConfig=Ptr("*swarm.UpdateConfig", UPDATE_CONFIG), RollbackConfig=Ptr("*swarm.UpdateConfig", UPDATE_CONFIG),
    Networks=ATTACHMENTS,
    EndpointSpec=Ptr("*swarm.EndpointSpec", struct(
        "swarm.EndpointSpec", Mode=named("swarm.ResolutionMode"), Ports=Slice("[]swarm.PortConfig", struct(
            "swarm.PortConfig", Name=STRING, Protocol=named("swarm.PortConfigProtocol"), TargetPort=UINT32,
            PublishedPort=UINT32, PublishMode=named("swarm.PortConfigPublishMode"))))))

# -- labkit's own extension (POST /labkit/reach) -----------------------------------------------------
REACH = struct("labkit.ReachRequest", Pairs=Slice("[]labkit.Pair", struct(
    "labkit.Pair", Source=STRING, Target=STRING, Port=INT)))


@dataclass(frozen=True)
class Body:
    """How the engine reads one endpoint's body."""
    target: Struct
    json_only: bool = False      # httputils.CheckForJSON first
    eof: str | None = "got EOF while reading request body"   # None: Go's "EOF" passes; "": no body is fine
    status: int = 400            # of a decoding error


PASSED_THROUGH = dict(eof=None, status=500)   # the handler returns Go's error as it is

# Keyed by the engine's path pattern (endpoints.py).
BODIES: dict[tuple[str, str], Body] = {
    ("POST", "/networks/create"): Body(NETWORK_CREATE, json_only=True),
    ("POST", "/networks/{id:.*}/connect"): Body(NETWORK_CONNECT, json_only=True),
    ("POST", "/networks/{id:.*}/disconnect"): Body(NETWORK_DISCONNECT, json_only=True),
    ("POST", "/containers/create"): Body(CONTAINER_CREATE, json_only=True, **PASSED_THROUGH),
    ("POST", "/containers/{name:.*}/update"): Body(CONTAINER_UPDATE, json_only=True, **PASSED_THROUGH),
    ("POST", "/commit"): Body(CONTAINER_CREATE, json_only=True, eof="", status=500),
    ("POST", "/volumes/create"): Body(VOLUME_CREATE, json_only=True),
    ("POST", "/containers/{name:.*}/exec"): Body(EXEC_CREATE, json_only=True),
    ("POST", "/exec/{name:.*}/start"): Body(EXEC_START, json_only=True),
    ("POST", "/swarm/init"): Body(SWARM_INIT),
    ("POST", "/swarm/join"): Body(SWARM_JOIN),
    ("POST", "/services/create"): Body(SERVICE_SPEC),
    ("POST", "/services/{id}/update"): Body(SERVICE_SPEC),
}
LABKIT_BODIES: dict[tuple[str, str], Body] = {("POST", "/labkit/reach"): Body(REACH)}

# Endpoints that refuse a body (one over 7 bytes, or chunked: "{}" passes), with the engine's text.
NO_BODY = {("POST", "/containers/{name:.*}/start"):
           "starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24"}

# Bodies that are not JSON (tar archives, a build context): the route gets the bytes as sent.
RAW_BODIES = {("PUT", "/containers/{name:.*}/archive"), ("POST", "/images/load"), ("POST", "/build"),
              ("POST", "/images/create")}
