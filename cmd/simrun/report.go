package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/simrun/simrun/report"
)

func cmdReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("report takes one directory: the output of simrun run, sweep or plan (try: simrun report out/quickstart-seed1)")
	}
	path, err := report.Write(pos[0], report.Options{Revision: revision()})
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stdout, "report in %s\n", path)
	}
	return nil
}
