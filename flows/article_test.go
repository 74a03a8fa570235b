package flows

import "testing"

func TestArticle(t *testing.T) {
	for _, c := range []struct{ word, want string }{
		{"IKE_AUTH", "an"}, {"INFORMATIONAL", "an"}, {"IKE_SA_INIT", "an"},
		{"CREATE_CHILD_SA", "a"}, {"GSA_AUTH", "a"}, {"unknown 7", "an"},
		{"8", "an"}, {"80", "an"}, {"800", "an"}, {"8192", "an"},
		{"11", "an"}, {"18", "an"}, {"11000", "an"}, {"18432", "an"},
		{"110", "a"}, {"1100", "a"}, {"180", "a"}, {"1", "a"},
		{"512", "a"}, {"1024", "a"}, {"768", "a"}, {"", "a"},
	} {
		if got := article(c.word); got != c.want {
			t.Errorf("article(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}

func TestSkippedIDs(t *testing.T) {
	if got, want := skippedIDs(1, 1), "message ID 1 was skipped"; got != want {
		t.Errorf("skippedIDs(1, 1) = %q, want %q", got, want)
	}
	if got, want := skippedIDs(1, 3), "message IDs 1–3 were skipped"; got != want {
		t.Errorf("skippedIDs(1, 3) = %q, want %q", got, want)
	}
}
