package mispapi

// contractTagCases are this group's store-backed contract cases (storecontract_test.go).
func contractTagCases() []storeCase { return nil }
