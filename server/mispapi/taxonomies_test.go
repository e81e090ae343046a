package mispapi

// contractTaxonomyCases are this group's store-backed contract cases (storecontract_test.go).
func contractTaxonomyCases() []storeCase { return nil }
