package mispapi

// contractSearchCases are this group's store-backed contract cases (storecontract_test.go).
func contractSearchCases() []storeCase { return nil }
