package flows

import (
	"encoding/json"
	"testing"
)

// TestReportJSON pins the JSON field names of issue 5's schema on a real
// decrypted capture.
func TestReportJSON(t *testing.T) {
	dir := corpusDir + "/ikev2-psk-success/"
	r := analyze(corpusPackets(t, "ikev2-psk-success"), Options{Decryptor: keyringFor(t, dir+"ikev2_decryption_table")})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SAs []struct {
			Version   *int             `json:"version"`
			Initiator *string          `json:"initiator"`
			Responder *string          `json:"responder"`
			SPIi      *string          `json:"spi_i"`
			SPIr      *string          `json:"spi_r"`
			State     *string          `json:"state"`
			Proposal  *string          `json:"proposal"`
			Exchanges []map[string]any `json:"exchanges"`
			ChildSAs  []struct {
				SPIi       *string        `json:"spi_i"`
				SPIr       *string        `json:"spi_r"`
				TSi        []string       `json:"ts_i"`
				TSr        []string       `json:"ts_r"`
				ESPPackets map[string]int `json:"esp_packets"`
			} `json:"child_sas"`
			Findings []map[string]any `json:"findings"`
		} `json:"sas"`
		Findings []struct {
			Kind     *string `json:"kind"`
			Severity *string `json:"severity"`
			Frames   []int   `json:"frames"`
			Message  *string `json:"message"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.SAs) != 1 {
		t.Fatalf("sas: %s", b)
	}
	sa := doc.SAs[0]
	if sa.Version == nil || *sa.Version != 2 || sa.Initiator == nil || *sa.Initiator != "198.51.100.10:500" ||
		sa.Responder == nil || sa.SPIi == nil || len(*sa.SPIi) != 16 || sa.SPIr == nil || sa.State == nil ||
		*sa.State != "deleted" || sa.Proposal == nil || *sa.Proposal == "" || len(sa.Exchanges) != 3 {
		t.Errorf("SA fields: %s", b)
	}
	if len(sa.ChildSAs) != 1 {
		t.Fatalf("child_sas: %s", b)
	}
	c := sa.ChildSAs[0]
	if c.SPIi == nil || len(*c.SPIi) != 8 || c.SPIr == nil || len(*c.SPIr) != 8 || len(c.TSi) != 1 ||
		len(c.TSr) != 1 || c.ESPPackets["i_to_r"] != 4 || c.ESPPackets["r_to_i"] != 4 {
		t.Errorf("child SA fields: %+v", c)
	}
	for _, f := range doc.Findings {
		if f.Kind == nil || f.Severity == nil || f.Message == nil || len(f.Frames) == 0 {
			t.Errorf("finding fields: %s", b)
		}
	}
}
