package main

func runKeys(e *env, args []string) error {
	return usagef("keys is not implemented yet")
}
