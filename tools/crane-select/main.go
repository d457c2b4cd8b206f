// crane-select is the baseline of bench/image-automation: it lists a repository's tags as
// `crane ls` does (go-containerregistry's crane.ListTags, following the registry's pages) and
// picks the highest tag within a semver range as Flux's semver policy does (fluxcd/pkg/version's
// ParseVersion and Masterminds constraints). Each run uses a fresh HTTP transport, so it pays
// for its own connection as a new process would; -n repeats and prints one line per run:
//
//	<microseconds> <tag count> <selected tag>
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/fluxcd/pkg/version"
	"github.com/google/go-containerregistry/pkg/crane"
)

func main() {
	repository := flag.String("repo", "", "repository, e.g. 127.0.0.1:5000/team/app")
	constraintText := flag.String("range", "*", "semver range")
	runs := flag.Int("n", 1, "runs")
	insecure := flag.Bool("insecure", false, "plain HTTP")
	flag.Parse()
	for i := 0; i < *runs; i++ {
		start := time.Now()
		options := []crane.Option{crane.WithTransport(http.DefaultTransport.(*http.Transport).Clone())}
		if *insecure {
			options = append(options, crane.Insecure)
		}
		tags, err := crane.ListTags(*repository, options...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		constraint, err := semver.NewConstraint(*constraintText)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var latest *semver.Version
		for _, tag := range tags {
			v, err := version.ParseVersion(tag)
			if err != nil {
				continue
			}
			if constraint.Check(v) && (latest == nil || v.GreaterThan(latest)) {
				latest = v
			}
		}
		selected := ""
		if latest != nil {
			selected = latest.Original()
		}
		fmt.Printf("%d %d %s\n", time.Since(start).Microseconds(), len(tags), selected)
	}
}
