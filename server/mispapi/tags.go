package mispapi

// tagRoutes registers this group's MISP controllers; nothing yet.
func (h *handler) tagRoutes() {}
