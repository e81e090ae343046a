package mispapi

// eventRoutes registers this group's MISP controllers; nothing yet.
func (h *handler) eventRoutes() {}
