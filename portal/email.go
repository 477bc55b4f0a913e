package portal

// Email is a message for the outbox. Emails never carry report content:
// they say there is an update and link to where the recipient can read it.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// Headers are extra headers such as List-Unsubscribe.
	Headers map[string]string
}
