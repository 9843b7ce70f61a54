package awsiam

import "time"

// SetClock replaces the signer's clock.
func SetClock(s *Signer, now func() time.Time) { s.now = now }
