package mispapi

// contractEventCases are this group's store-backed contract cases (storecontract_test.go).
func contractEventCases() []storeCase { return nil }
