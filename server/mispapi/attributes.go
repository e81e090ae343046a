package mispapi

// attributeRoutes registers this group's MISP controllers; nothing yet.
func (h *handler) attributeRoutes() {}
