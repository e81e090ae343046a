package mispapi

// objectRoutes registers this group's MISP controllers; nothing yet.
func (h *handler) objectRoutes() {}
