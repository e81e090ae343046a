package mispapi

// sightingRoutes registers this group's MISP controllers; nothing yet.
func (h *handler) sightingRoutes() {}
