package mispapi

// contractObjectCases are this group's store-backed contract cases (storecontract_test.go).
func contractObjectCases() []storeCase { return nil }
