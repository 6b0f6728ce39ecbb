package main

// HelpCmd is `leadrun help [command…]`, the same as `leadrun [command…] --help`.
type HelpCmd struct {
	Command []string `arg:"" optional:"" help:"The command to describe, e.g. runs report."`
}

// Run is reached only when helpArgs did not rewrite the command line (never in practice).
func (c *HelpCmd) Run() error { return nil }

// helpArgs turns `help [command…]` into `[command…] --help`, so kong prints the help of
// that command (or of leadrun) and refuses an unknown one.
func helpArgs(args []string) []string {
	if len(args) == 0 || args[0] != "help" {
		return args
	}
	return append(append([]string{}, args[1:]...), "--help")
}
