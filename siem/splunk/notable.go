package splunk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// NotableUpdate changes Splunk Enterprise Security notable events (POST /services/notable_update):
// their status (ES's numbers: 1 new, 2 in progress, 3 pending, 4 resolved, 5 closed), urgency,
// owner, and a comment, for the events named by rule_uid.
type NotableUpdate struct {
	RuleUIDs []string
	Status   int    // 0 leaves it
	Urgency  string // informational, low, medium, high, critical; "" leaves it
	Owner    string
	Comment  string
}

// NotableResult is ES's answer.
type NotableResult struct {
	Success      bool   `json:"success"`
	Message      string `json:"message"`
	FailureCount int    `json:"failure_count"`
}

// UpdateNotables sends u; ES refusing it (success false) is an error.
func (c *Client) UpdateNotables(ctx context.Context, u NotableUpdate) (NotableResult, error) {
	if len(u.RuleUIDs) == 0 {
		return NotableResult{}, fmt.Errorf("splunk notable_update: no rule_uid")
	}
	form := url.Values{"output_mode": {"json"}}
	for _, id := range u.RuleUIDs {
		form.Add("ruleUIDs", id)
	}
	if u.Status != 0 {
		form.Set("status", strconv.Itoa(u.Status))
	}
	if u.Urgency != "" {
		form.Set("urgency", u.Urgency)
	}
	if u.Owner != "" {
		form.Set("newOwner", u.Owner)
	}
	if u.Comment != "" {
		form.Set("comment", u.Comment)
	}
	data, err := c.call(ctx, http.MethodPost, "/services/notable_update", form, "notable_update")
	if err != nil {
		return NotableResult{}, err
	}
	var r NotableResult
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("splunk notable_update: %w", err)
	}
	if !r.Success {
		return r, fmt.Errorf("splunk notable_update: %s", r.Message)
	}
	return r, nil
}
