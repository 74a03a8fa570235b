package words

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
		if got := Article(c.word); got != c.want {
			t.Errorf("Article(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}

func TestCountPlural(t *testing.T) {
	if got := Count(1, "time", "times"); got != "1 time" {
		t.Errorf("Count(1) = %q", got)
	}
	if got := Count(4, "time", "times"); got != "4 times" {
		t.Errorf("Count(4) = %q", got)
	}
	if got := Count(0, "frame comes", "frames come"); got != "0 frames come" {
		t.Errorf("Count(0) = %q", got)
	}
	if Pick(1, "has", "have") != "has" || Pick(2, "has", "have") != "have" {
		t.Error("Pick")
	}
}
