package mispapi

// adminRoutes registers this group's MISP controllers; nothing yet.
func (h *handler) adminRoutes() {}
