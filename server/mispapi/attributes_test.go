package mispapi

// contractAttributeCases are this group's store-backed contract cases (storecontract_test.go).
func contractAttributeCases() []storeCase { return nil }
