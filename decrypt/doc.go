// Package decrypt opens the encrypted parts of IKE messages with key
// material the user supplies.
//
// It covers the IKEv2 Encrypted (SK) and Encrypted Fragment (SKF) payloads
// ([RFC 7296] §3.14, [RFC 7383]) with the transforms of [RFC 3602] (AES-CBC),
// [RFC 2451] (3DES), [RFC 5930] (AES-CTR), [RFC 5282] (AES-GCM and AES-CCM),
// [RFC 7634] (ChaCha20-Poly1305) and NULL, verified with HMAC-MD5-96,
// HMAC-SHA1-96, AES-XCBC-96 ([RFC 3566]), AES-CMAC-96 ([RFC 4494]) or
// HMAC-SHA2 ([RFC 4868]); and IKEv1 phase 1 and phase 2 ([RFC 2409]
// Appendix B) with DES, 3DES and AES-CBC.
//
// Keys come from files users already have: Wireshark's UAT tables, strongSwan
// charon logs, libreswan / Openswan pluto logs (tcpdump -E secrets), OpenIKED
// iked -dvvv output, FortiGate diagnose output and ikeflow's own one-line
// format (see docs/keys.md and [KeyFormats]); [ReadKeyFile] detects the format and turns
// bad lines into warnings. A [Keyring] finds the key for a message, and
// [Tracker.KeyCheck] tells per IKE SA and direction whether the key given
// verified. [ExportWireshark] merges keys into Wireshark's tables.
//
// Every result is explicit: plaintext is only returned after the ICV (or, for
// IKEv1, the payload chain) verified. Failures wrap one of [ErrNoKey],
// [ErrAuth], [ErrMalformed] or [ErrUnsupported] ([ErrIncomplete], a
// capture that lacks what decrypting needs besides the key, is one of the
// last); [StateOf] maps an error to a [State]. Secrets never print in full: [Secret] masks itself in fmt and JSON.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.14
// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383
// [RFC 3602]: https://www.rfc-editor.org/rfc/rfc3602
// [RFC 2451]: https://www.rfc-editor.org/rfc/rfc2451
// [RFC 5930]: https://www.rfc-editor.org/rfc/rfc5930
// [RFC 5282]: https://www.rfc-editor.org/rfc/rfc5282
// [RFC 7634]: https://www.rfc-editor.org/rfc/rfc7634
// [RFC 3566]: https://www.rfc-editor.org/rfc/rfc3566
// [RFC 4494]: https://www.rfc-editor.org/rfc/rfc4494
// [RFC 4868]: https://www.rfc-editor.org/rfc/rfc4868
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-B
package decrypt
