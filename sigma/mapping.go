package sigma

import (
	"fmt"
	"sort"
	"strings"
)

// Mapping renames Sigma's field names (Sysmon's and the Windows event log's, as rules are
// written) into the names a data source uses.
type Mapping struct {
	// Name is how the mapping is selected: sysmon, ecs, cim or mde.
	Name string
	// Description says which data it is for.
	Description string
	// Fields maps a rule's field name to the data's.
	Fields map[string]string
	// Prefix is put before a field the map does not list ("winlog.event_data." for ECS).
	Prefix string
}

// Field is the data's name for a rule's field.
func (m Mapping) Field(name string) string {
	if f, ok := m.Fields[name]; ok {
		return f
	}
	return m.Prefix + name
}

// Mappings are the field mappings hunch knows, by name.
var Mappings = map[string]Mapping{
	"sysmon": {Name: "sysmon", Description: "Windows event logs as hunch reads EVTX (Sysmon, Security 4688, PowerShell): the rules' own names"},
	"ecs": {Name: "ecs", Description: "Elastic Common Schema, as Winlogbeat and Elastic Agent write Windows events",
		Prefix: "winlog.event_data.", Fields: map[string]string{
			"EventID": "event.code", "Channel": "winlog.channel", "Provider_Name": "winlog.provider_name", "Computer": "host.name",
			"Image": "process.executable", "CommandLine": "process.command_line", "CurrentDirectory": "process.working_directory",
			"ParentImage": "process.parent.executable", "ParentCommandLine": "process.parent.command_line",
			"OriginalFileName": "process.pe.original_file_name", "Product": "process.pe.product", "Company": "process.pe.company",
			"Description": "process.pe.description", "FileVersion": "process.pe.file_version",
			"ProcessId": "process.pid", "ParentProcessId": "process.parent.pid", "ProcessGuid": "process.entity_id",
			"ParentProcessGuid": "process.parent.entity_id", "User": "user.name", "IntegrityLevel": "winlog.event_data.IntegrityLevel",
			"Hashes": "winlog.event_data.Hashes", "NewProcessName": "process.executable", "ParentProcessName": "process.parent.executable",
			"SubjectUserName": "user.name", "ScriptBlockText": "powershell.file.script_block_text",
			"TargetFilename": "file.path", "TargetObject": "registry.path", "Details": "registry.data.strings",
			"DestinationIp": "destination.ip", "DestinationPort": "destination.port", "DestinationHostname": "destination.domain",
			"SourceIp": "source.ip", "SourcePort": "source.port", "QueryName": "dns.question.name", "ImageLoaded": "file.path",
		}},
	"cim": {Name: "cim", Description: "Splunk's Common Information Model (Endpoint.Processes and friends)",
		Fields: map[string]string{
			"EventID": "signature_id", "Computer": "dest",
			"Image": "process_path", "CommandLine": "process", "CurrentDirectory": "process_current_directory",
			"ParentImage": "parent_process_path", "ParentCommandLine": "parent_process",
			"OriginalFileName": "original_file_name", "ProcessId": "process_id", "ParentProcessId": "parent_process_id",
			"ProcessGuid": "process_guid", "ParentProcessGuid": "parent_process_guid", "User": "user",
			"IntegrityLevel": "process_integrity_level", "Hashes": "process_hash",
			"NewProcessName": "process_path", "ParentProcessName": "parent_process_path",
			"TargetFilename": "file_path", "TargetObject": "registry_path", "Details": "registry_value_data",
			"DestinationIp": "dest_ip", "DestinationPort": "dest_port", "SourceIp": "src_ip", "SourcePort": "src_port",
			"QueryName": "query",
		}},
	"mde": {Name: "mde", Description: "Microsoft Defender for Endpoint / Sentinel advanced hunting (DeviceProcessEvents and friends)",
		Fields: map[string]string{
			"Computer": "DeviceName",
			"Image":    "FolderPath", "CommandLine": "ProcessCommandLine", "CurrentDirectory": "ProcessCurrentDirectory",
			"ParentImage": "InitiatingProcessFolderPath", "ParentCommandLine": "InitiatingProcessCommandLine",
			"OriginalFileName": "ProcessVersionInfoOriginalFileName", "Product": "ProcessVersionInfoProductName",
			"Company": "ProcessVersionInfoCompanyName", "Description": "ProcessVersionInfoFileDescription",
			"ProcessId": "ProcessId", "ParentProcessId": "InitiatingProcessId", "User": "AccountName",
			"IntegrityLevel": "ProcessIntegrityLevel", "NewProcessName": "FolderPath", "ParentProcessName": "InitiatingProcessFolderPath",
			"TargetFilename": "FolderPath", "TargetObject": "RegistryKey", "Details": "RegistryValueData",
			"DestinationIp": "RemoteIP", "DestinationPort": "RemotePort", "DestinationHostname": "RemoteUrl",
		}},
}

// MappingNames lists the mappings' names, sorted.
func MappingNames() []string {
	out := make([]string, 0, len(Mappings))
	for n := range Mappings {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// MappingByName returns the named mapping ("" is sysmon).
func MappingByName(name string) (Mapping, error) {
	if name == "" {
		name = "sysmon"
	}
	m, ok := Mappings[strings.ToLower(name)]
	if !ok {
		return Mapping{}, fmt.Errorf("unknown field mapping %q (known: %s)", name, strings.Join(MappingNames(), ", "))
	}
	return m, nil
}
