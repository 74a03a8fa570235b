package main

func runAnalyze(e *env, args []string) error {
	return usagef("analyze is not implemented yet")
}
