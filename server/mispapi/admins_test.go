package mispapi

// contractAdminCases are this group's store-backed contract cases (storecontract_test.go).
func contractAdminCases() []storeCase { return nil }
