// image-policy-oracle answers tag-policy questions the way Flux's image-reflector-controller
// does, on the same Go building blocks it uses: the standard library's regexp (RE2 syntax,
// ExpandString), sort and strconv.ParseFloat, github.com/Masterminds/semver/v3 and
// github.com/fluxcd/pkg/version. The controller's own module is not served by the Go module
// proxy, so the few lines that join these blocks (internal/policy and the ImagePolicy
// reconciler's applyPolicy) are written here again from reading them; everything with
// semantics of its own is the real library. Weft's selectLatestTag is tested against it.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
//
//	{"op":"select","tags":[...],"policy":{"semver":{"range":"^1"}},"filterTags":{"pattern":"^v(?P<v>.*)","extract":"$v"}}
//	  -> {"ok":true,"tag":"v1.2.3","winners":["v1.2.3"]}   (winners: every answer Flux can give,
//	     which is more than one only where it iterates a Go map)
//	  -> {"ok":false,"invalid":true,"error":"..."}            (the spec is invalid: Flux stalls)
//	  -> {"ok":false,"error":"..."}                            (no tag qualifies)
//	{"op":"regexp","pattern":"...","template":"$1","inputs":["a","b"]}
//	  -> {"ok":true,"matches":[{"matched":true,"expanded":"..."}]} or {"ok":false,"error":"..."}
//	{"op":"revision","tags":["b","a"]} -> {"ok":true,"tag":"<adler32 of the JSON, as the tag database>"}
//	{"op":"template","template":"...","changes":[{"file","apiVersion","kind","name","namespace","oldValue","newValue","setter"}],
//	 "automation":{"namespace":"n","name":"a"},"values":{}} -> {"ok":true,"tag":"<rendered>"} (Flux's commit message data)
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/adler32"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/semver/v3"
	"github.com/fluxcd/pkg/version"
)

type policyChoice struct {
	SemVer *struct {
		Range string `json:"range"`
	} `json:"semver"`
	Alphabetical *struct {
		Order string `json:"order"`
	} `json:"alphabetical"`
	Numerical *struct {
		Order string `json:"order"`
	} `json:"numerical"`
}

type tagFilter struct {
	Pattern string `json:"pattern"`
	Extract string `json:"extract"`
}

type changeInput struct {
	File       string `json:"file"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Namespace  string `json:"namespace"`
	OldValue   string `json:"oldValue"`
	NewValue   string `json:"newValue"`
	Setter     string `json:"setter"`
}

// The shapes of image-automation-controller's commit template data (update.ResultV2 and
// kyaml's ResourceIdentifier), so that field access, map order and printing are Go's.
type typeMeta struct {
	APIVersion string
	Kind       string
}
type nameMeta struct {
	Name      string
	Namespace string
}
type resourceIdentifier struct {
	typeMeta
	nameMeta
}
type objectIdentifier struct {
	resourceIdentifier
}
type change struct {
	OldValue string
	NewValue string
	Setter   string
}
type resultV2 struct {
	FileChanges map[string]map[objectIdentifier][]change
	Objects     map[objectIdentifier][]change
	Changes     []change
}
type namespacedName struct {
	Namespace string
	Name      string
}

func (n namespacedName) String() string { return n.Namespace + "/" + n.Name }

type templateData struct {
	AutomationObject namespacedName
	Changed          resultV2
	Values           map[string]string
}

type request struct {
	Changes    []changeInput     `json:"changes"`
	Automation namespacedName    `json:"automation"`
	Values     map[string]string `json:"values"`
	Op         string            `json:"op"`
	Tags       []string          `json:"tags"`
	Policy     policyChoice      `json:"policy"`
	FilterTags *tagFilter        `json:"filterTags"`
	Pattern    string            `json:"pattern"`
	Template   string            `json:"template"`
	Inputs     []string          `json:"inputs"`
}

type match struct {
	Matched  bool   `json:"matched"`
	Expanded string `json:"expanded"`
}

type answer struct {
	OK      bool     `json:"ok"`
	Invalid bool     `json:"invalid,omitempty"`
	Tag     string   `json:"tag,omitempty"`
	Winners []string `json:"winners,omitempty"`
	Error   string   `json:"error,omitempty"`
	Matches []match  `json:"matches,omitempty"`
}

// latestFunc is one policy's choice over a list of candidate strings.
type latestFunc func([]string) (string, error)

func policer(choice policyChoice) (latestFunc, error) {
	switch {
	case choice.SemVer != nil:
		constraint, err := semver.NewConstraint(choice.SemVer.Range)
		if err != nil {
			return nil, err
		}
		return func(versions []string) (string, error) {
			if len(versions) == 0 {
				return "", fmt.Errorf("version list argument cannot be empty")
			}
			var latest *semver.Version
			for _, candidate := range versions {
				v, err := version.ParseVersion(candidate)
				if err != nil {
					continue
				}
				if constraint.Check(v) && (latest == nil || v.GreaterThan(latest)) {
					latest = v
				}
			}
			if latest == nil {
				return "", fmt.Errorf("unable to determine latest version from provided list")
			}
			return latest.Original(), nil
		}, nil
	case choice.Alphabetical != nil:
		order, err := orderOf(choice.Alphabetical.Order)
		if err != nil {
			return nil, err
		}
		return func(versions []string) (string, error) {
			if len(versions) == 0 {
				return "", fmt.Errorf("version list argument cannot be empty")
			}
			sorted := append([]string(nil), versions...)
			if order == "DESC" {
				sort.Sort(sort.StringSlice(sorted))
			} else {
				sort.Sort(sort.Reverse(sort.StringSlice(sorted)))
			}
			return sorted[0], nil
		}, nil
	case choice.Numerical != nil:
		order, err := orderOf(choice.Numerical.Order)
		if err != nil {
			return nil, err
		}
		return func(versions []string) (string, error) {
			if len(versions) == 0 {
				return "", fmt.Errorf("version list argument cannot be empty")
			}
			var latest string
			var previous float64
			for i, candidate := range versions {
				value, err := strconv.ParseFloat(candidate, 64)
				if err != nil {
					return "", fmt.Errorf("failed to parse invalid numeric value '%s'", candidate)
				}
				if i > 0 && ((order == "ASC" && value < previous) || (order == "DESC" && value > previous)) {
					continue
				}
				latest = candidate
				previous = value
			}
			return latest, nil
		}, nil
	}
	return nil, fmt.Errorf("given ImagePolicyChoice object is invalid")
}

func orderOf(order string) (string, error) {
	switch strings.ToUpper(order) {
	case "":
		return "ASC", nil
	case "ASC", "DESC":
		return strings.ToUpper(order), nil
	}
	return "", fmt.Errorf("invalid order argument provided: '%s', must be one of: ASC, DESC", strings.ToUpper(order))
}

func selectTag(r request) answer {
	latest, err := policer(r.Policy)
	if err != nil {
		return answer{Invalid: true, Error: "invalid policy: " + err.Error()}
	}
	if len(r.Tags) == 0 {
		return answer{Error: "no tags in database"}
	}
	if r.FilterTags == nil {
		tag, err := latest(r.Tags)
		if err != nil {
			return answer{Error: err.Error()}
		}
		return answer{OK: true, Tag: tag, Winners: []string{tag}}
	}
	re, err := regexp.Compile(r.FilterTags.Pattern)
	if err != nil {
		return answer{Invalid: true, Error: fmt.Sprintf("failed to filter tags: invalid regular expression pattern '%s': %s", r.FilterTags.Pattern, err)}
	}
	// Flux keeps extracted values in a map (the last tag with a value wins) and hands the map's
	// keys to the policy in Go's random map order. Weft hands them over in order of first
	// appearance; the oracle answers for that order and lists what every other order gives.
	original := map[string]string{}
	var keys []string
	for _, tag := range r.Tags {
		submatches := re.FindStringSubmatchIndex(tag)
		if len(submatches) == 0 {
			continue
		}
		key := tag
		if r.FilterTags.Extract != "" {
			key = string(re.ExpandString(nil, r.FilterTags.Extract, tag, submatches))
		}
		if _, seen := original[key]; !seen {
			keys = append(keys, key)
		}
		original[key] = tag
	}
	chosen, err := latest(keys)
	if err != nil {
		return answer{Error: err.Error()}
	}
	winners := map[string]bool{original[chosen]: true}
	for _, order := range orders(keys) {
		if other, err := latest(order); err == nil {
			winners[original[other]] = true
		}
	}
	list := make([]string, 0, len(winners))
	for w := range winners {
		list = append(list, w)
	}
	sort.Strings(list)
	return answer{OK: true, Tag: original[chosen], Winners: list}
}

// orders gives the key lists Flux may iterate: every rotation and its reverse, enough to
// reach each tie's members first or last.
func orders(keys []string) [][]string {
	var out [][]string
	n := len(keys)
	if n > 64 {
		n = 64
	}
	for i := 0; i < n; i++ {
		rotated := append(append([]string(nil), keys[i:]...), keys[:i]...)
		reversed := make([]string, len(rotated))
		for j := range rotated {
			reversed[len(rotated)-1-j] = rotated[j]
		}
		out = append(out, rotated, reversed)
	}
	return out
}

func expand(r request) answer {
	re, err := regexp.Compile(r.Pattern)
	if err != nil {
		return answer{Error: err.Error()}
	}
	matches := make([]match, 0, len(r.Inputs))
	for _, input := range r.Inputs {
		submatches := re.FindStringSubmatchIndex(input)
		if submatches == nil {
			matches = append(matches, match{})
			continue
		}
		matches = append(matches, match{Matched: true, Expanded: string(re.ExpandString(nil, r.Template, input, submatches))})
	}
	return answer{OK: true, Matches: matches}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	encoder.SetEscapeHTML(false)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			_ = encoder.Encode(answer{Error: "bad request: " + err.Error()})
			continue
		}
		switch r.Op {
		case "select":
			_ = encoder.Encode(selectTag(r))
		case "regexp":
			_ = encoder.Encode(expand(r))
		case "revision":
			b, _ := json.Marshal(r.Tags)
			_ = encoder.Encode(answer{OK: true, Tag: fmt.Sprintf("%v", adler32.Checksum(b))})
		case "template":
			_ = encoder.Encode(render(r))
		default:
			_ = encoder.Encode(answer{Error: "unknown op " + r.Op})
		}
	}
}

func render(r request) answer {
	t, err := template.New("message").Parse(r.Template)
	if err != nil {
		return answer{Error: err.Error()}
	}
	result := resultV2{FileChanges: map[string]map[objectIdentifier][]change{}, Objects: map[objectIdentifier][]change{}}
	for _, c := range r.Changes {
		id := objectIdentifier{resourceIdentifier{typeMeta{c.APIVersion, c.Kind}, nameMeta{c.Name, c.Namespace}}}
		ch := change{OldValue: c.OldValue, NewValue: c.NewValue, Setter: c.Setter}
		if result.FileChanges[c.File] == nil {
			result.FileChanges[c.File] = map[objectIdentifier][]change{}
		}
		result.FileChanges[c.File][id] = append(result.FileChanges[c.File][id], ch)
		result.Objects[id] = append(result.Objects[id], ch)
		result.Changes = append(result.Changes, ch)
	}
	var out strings.Builder
	if err := t.Execute(&out, templateData{AutomationObject: r.Automation, Changed: result, Values: r.Values}); err != nil {
		return answer{Error: err.Error()}
	}
	return answer{OK: true, Tag: out.String()}
}
