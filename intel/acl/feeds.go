package acl

// CanManageFeeds decides the feeds actions (index, view, add, edit, delete, enable, disable, fetch, cache, compare,
// loadDefaultFeeds), which MISP keeps for site admins.
func (p *Policy) CanManageFeeds(u User) error {
	return gate(u, u.EffectiveRole().PermSiteAdmin)
}

// CanViewFeedCorrelations decides whether u sees feed hits on attributes (includeFeedCorrelations): MISP's
// perm_view_feed_correlations, which site admins hold too.
func (p *Policy) CanViewFeedCorrelations(u User) error {
	r := u.EffectiveRole()
	return gate(u, r.PermViewFeedCorrelations || r.PermSiteAdmin)
}
