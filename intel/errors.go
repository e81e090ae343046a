package intel

import (
	"fmt"
	"strings"
)

// InvalidError refuses input that does not validate: MISP answers it 403 with {"saved": false, "errors": …}
// (RestResponse::saveFailResponse), naming each field and what is wrong with it.
type InvalidError struct {
	// Message is MISP's message for the failed save ("Could not add Event", "Could not add Attribute", …).
	Message string
	// Fields maps a field name to what is wrong with it.
	Fields map[string][]string
}

// Invalid returns an *InvalidError with one field's complaint.
func Invalid(message, field, complaint string) *InvalidError {
	return &InvalidError{Message: message, Fields: map[string][]string{field: {complaint}}}
}

// Error describes the refusal in one line.
func (e *InvalidError) Error() string {
	var parts []string
	for f, msgs := range e.Fields {
		parts = append(parts, f+": "+strings.Join(msgs, "; "))
	}
	return fmt.Sprintf("%s: %s", strings.ToLower(e.Message), strings.Join(parts, ", "))
}
