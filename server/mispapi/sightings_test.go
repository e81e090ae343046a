package mispapi

// contractSightingCases are this group's store-backed contract cases (storecontract_test.go).
func contractSightingCases() []storeCase { return nil }
