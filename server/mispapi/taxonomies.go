package mispapi

// taxonomyRoutes registers this group's MISP controllers; nothing yet.
func (h *handler) taxonomyRoutes() {}
