// semver-oracle answers semver questions with github.com/Masterminds/semver/v3, the
// library Flux uses, so Weft's TypeScript port can be tested against the real thing.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
//
//	{"op":"version","input":"v1.2","coerce":true} -> {"ok":true,"canonical":"1.2.0","original":"v1.2"}
//	{"op":"strict","input":"1.2.3"}               -> {"ok":true,"canonical":"1.2.3"}
//	{"op":"compare","a":"1.0.0","b":"2.0.0"}      -> {"ok":true,"order":-1}
//	{"op":"check","constraint":"^1","version":"1.5.0","includePrerelease":false} -> {"ok":true,"result":true}
//
// "ok":false means Masterminds returned an error parsing an input.
package main

import (
	"bufio"
	"encoding/json"
	"os"

	"github.com/Masterminds/semver/v3"
)

type request struct {
	Op                string `json:"op"`
	Input             string `json:"input"`
	Coerce            *bool  `json:"coerce"`
	A                 string `json:"a"`
	B                 string `json:"b"`
	Constraint        string `json:"constraint"`
	Version           string `json:"version"`
	IncludePrerelease bool   `json:"includePrerelease"`
}

type answer struct {
	OK        bool   `json:"ok"`
	Canonical string `json:"canonical,omitempty"`
	Original  string `json:"original,omitempty"`
	Order     int    `json:"order"`
	Result    bool   `json:"result"`
	Error     string `json:"error,omitempty"`
}

func answerFor(r request) answer {
	switch r.Op {
	case "version":
		semver.CoerceNewVersion = r.Coerce == nil || *r.Coerce
		defer func() { semver.CoerceNewVersion = true }()
		v, err := semver.NewVersion(r.Input)
		if err != nil {
			return answer{Error: err.Error()}
		}
		return answer{OK: true, Canonical: v.String(), Original: v.Original()}
	case "strict":
		v, err := semver.StrictNewVersion(r.Input)
		if err != nil {
			return answer{Error: err.Error()}
		}
		return answer{OK: true, Canonical: v.String(), Original: v.Original()}
	case "compare":
		a, err := semver.NewVersion(r.A)
		if err != nil {
			return answer{Error: err.Error()}
		}
		b, err := semver.NewVersion(r.B)
		if err != nil {
			return answer{Error: err.Error()}
		}
		return answer{OK: true, Order: a.Compare(b)}
	case "check":
		c, err := semver.NewConstraint(r.Constraint)
		if err != nil {
			return answer{Error: err.Error()}
		}
		c.IncludePrerelease = r.IncludePrerelease
		v, err := semver.NewVersion(r.Version)
		if err != nil {
			return answer{Error: err.Error()}
		}
		return answer{OK: true, Result: c.Check(v)}
	}
	return answer{Error: "unknown op " + r.Op}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			_ = encoder.Encode(answer{Error: "bad request: " + err.Error()})
			continue
		}
		_ = encoder.Encode(answerFor(r))
	}
}
