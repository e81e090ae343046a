package sigma

import "strings"

// Source is one kind of event a rule's log source stands for: an EventID in a channel, and
// the field names that kind of event uses instead of the rule's.
type Source struct {
	// EventID is the Windows event id (0: any).
	EventID int
	// Channel is the event log channel; events that carry no Channel field are not held to it.
	Channel string
	// Provider is the event provider, for the record.
	Provider string
	// Fields renames rule fields for this kind of event (Image → NewProcessName for 4688).
	Fields map[string]string
}

const (
	chanSysmon     = "Microsoft-Windows-Sysmon/Operational"
	chanSecurity   = "Security"
	chanPowerShell = "Microsoft-Windows-PowerShell/Operational"
	chanClassic    = "Windows PowerShell"
)

// windowsSources maps Sigma's Windows log-source categories to the events that carry them,
// as SigmaHQ's regression runner configures them (tests/thor.yml).
var windowsSources = map[string][]Source{
	"process_creation": {
		{EventID: 1, Channel: chanSysmon, Provider: "Microsoft-Windows-Sysmon"},
		{EventID: 4688, Channel: chanSecurity, Provider: "Microsoft-Windows-Security-Auditing",
			Fields: map[string]string{"Image": "NewProcessName", "ParentImage": "ParentProcessName"}},
	},
	"network_connection":        {{EventID: 3, Channel: chanSysmon}},
	"sysmon_status":             {{EventID: 4, Channel: chanSysmon}, {EventID: 16, Channel: chanSysmon}},
	"process_termination":       {{EventID: 5, Channel: chanSysmon}},
	"driver_load":               {{EventID: 6, Channel: chanSysmon}},
	"image_load":                {{EventID: 7, Channel: chanSysmon}},
	"create_remote_thread":      {{EventID: 8, Channel: chanSysmon}},
	"raw_access_thread":         {{EventID: 9, Channel: chanSysmon}},
	"process_access":            {{EventID: 10, Channel: chanSysmon}},
	"file_event":                {{EventID: 11, Channel: chanSysmon}},
	"file_change":               {{EventID: 2, Channel: chanSysmon}},
	"registry_add":              {{EventID: 12, Channel: chanSysmon}},
	"registry_delete":           {{EventID: 12, Channel: chanSysmon}},
	"registry_set":              {{EventID: 13, Channel: chanSysmon}},
	"registry_rename":           {{EventID: 14, Channel: chanSysmon}},
	"registry_event":            {{EventID: 12, Channel: chanSysmon}, {EventID: 13, Channel: chanSysmon}, {EventID: 14, Channel: chanSysmon}},
	"create_stream_hash":        {{EventID: 15, Channel: chanSysmon}},
	"pipe_created":              {{EventID: 17, Channel: chanSysmon}, {EventID: 18, Channel: chanSysmon}},
	"wmi_event":                 {{EventID: 19, Channel: chanSysmon}, {EventID: 20, Channel: chanSysmon}, {EventID: 21, Channel: chanSysmon}},
	"dns_query":                 {{EventID: 22, Channel: chanSysmon}},
	"file_delete":               {{EventID: 23, Channel: chanSysmon}, {EventID: 26, Channel: chanSysmon}},
	"clipboard_capture":         {{EventID: 24, Channel: chanSysmon}},
	"process_tampering":         {{EventID: 25, Channel: chanSysmon}},
	"file_block_executable":     {{EventID: 27, Channel: chanSysmon}},
	"file_block_shredding":      {{EventID: 28, Channel: chanSysmon}},
	"file_executable_detected":  {{EventID: 29, Channel: chanSysmon}},
	"ps_script":                 {{EventID: 4104, Channel: chanPowerShell}},
	"ps_module":                 {{EventID: 4103, Channel: chanPowerShell}},
	"ps_classic_start":          {{EventID: 400, Channel: chanClassic}},
	"ps_classic_provider_start": {{EventID: 600, Channel: chanClassic}},
}

// windowsServices maps Sigma's Windows services to channels.
var windowsServices = map[string]string{
	"security":                  chanSecurity,
	"system":                    "System",
	"application":               "Application",
	"sysmon":                    chanSysmon,
	"powershell":                chanPowerShell,
	"powershell-classic":        chanClassic,
	"taskscheduler":             "Microsoft-Windows-TaskScheduler/Operational",
	"wmi":                       "Microsoft-Windows-WMI-Activity/Operational",
	"windefend":                 "Microsoft-Windows-Windows Defender/Operational",
	"bits-client":               "Microsoft-Windows-Bits-Client/Operational",
	"dns-server":                "DNS Server",
	"driver-framework":          "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
	"firewall-as":               "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
	"codeintegrity-operational": "Microsoft-Windows-CodeIntegrity/Operational",
	"applocker":                 "Microsoft-Windows-AppLocker/EXE and DLL",
	"ntlm":                      "Microsoft-Windows-NTLM/Operational",
}

// Sources returns the kinds of event the rule's log source stands for. A nil result means the
// log source is not one hunch knows, and the rule is run on every event.
func (r *Rule) Sources() []Source {
	ls := r.Logsource
	if !strings.EqualFold(ls.Product, "windows") {
		return nil
	}
	if s, ok := windowsSources[strings.ToLower(ls.Category)]; ok {
		return s
	}
	if ls.Category == "" {
		if ch, ok := windowsServices[strings.ToLower(ls.Service)]; ok {
			return []Source{{Channel: ch}}
		}
	}
	return nil
}
