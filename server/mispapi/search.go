package mispapi

// searchRoutes registers this group's MISP controllers; nothing yet.
func (h *handler) searchRoutes() {}
