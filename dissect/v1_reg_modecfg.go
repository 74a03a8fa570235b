package dissect

// xauthTypeV1Names are the values of XAUTH-TYPE (draft-beaulieu-ike-xauth-02 §4.1).
var xauthTypeV1Names = map[uint16]string{0: "Generic", 1: "RADIUS-CHAP", 2: "OTP", 3: "S/KEY"}

// xauthStatusV1Names are the values of XAUTH-STATUS (draft-beaulieu-ike-xauth-02 §4.1).
var xauthStatusV1Names = map[uint16]string{0: "FAIL", 1: "OK"}
