// merge-peer: the Go code kube-apiserver runs for a PATCH, in process and without the network or
// storage: apimachinery's strategic merge patch (strategicpatch, the Deployment's patch metadata
// read once from its Go struct) and server-side apply through apimachinery's FieldManager on
// sigs.k8s.io/structured-merge-diff (client-go's built-in schema as the type converter). The Go
// peer of bench/merge.
//
//	merge-peer OPERATIONS.json
//
// OPERATIONS.json, written by bench/merge: {"operations":N,"warmup":W,"configs":[...],"patches":[...]}.
// Step i patches with patches[i % len] and applies configs[i % len], each on the previous result, in
// the bench's order: apply configs[0] to nothing; W then N patches; W then N force applies (manager
// "bench"). Prints one JSON line: {"patchMicros","applyMicros"} per operation, timed loops only.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields/managedfieldstest"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
)

type operations struct {
	Operations int              `json:"operations"`
	Warmup     int              `json:"warmup"`
	Configs    []map[string]any `json:"configs"`
	Patches    []map[string]any `json:"patches"`
}

func run(input operations) (patchMicros, applyMicros float64, err error) {
	gvk := appsv1.SchemeGroupVersion.WithKind("Deployment")
	fieldManager := managedfieldstest.NewFakeFieldManager(applyconfigurations.NewTypeConverter(scheme.Scheme), gvk)
	patchMeta, err := strategicpatch.NewPatchMetaFromStruct(&appsv1.Deployment{})
	if err != nil {
		return 0, 0, err
	}
	// Each operation gets its own copy of its input, as each is decoded afresh from a request.
	config := func(step int) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: runtime.DeepCopyJSON(input.Configs[step%len(input.Configs)])}
	}
	patch := func(step int) map[string]any { return runtime.DeepCopyJSON(input.Patches[step%len(input.Patches)]) }
	apply := func(live runtime.Object, step int) (runtime.Object, error) {
		return fieldManager.Apply(live, config(step), "bench", true)
	}

	empty := &unstructured.Unstructured{}
	empty.SetGroupVersionKind(gvk)
	liveObject, err := fieldManager.Apply(empty, config(0), "bench", true)
	if err != nil {
		return 0, 0, fmt.Errorf("first apply: %w", err)
	}
	live := liveObject.(*unstructured.Unstructured).Object
	for step := 0; step < input.Warmup; step++ {
		if live, err = strategicpatch.StrategicMergeMapPatchUsingLookupPatchMeta(live, patch(step), patchMeta); err != nil {
			return 0, 0, fmt.Errorf("patch %d: %w", step, err)
		}
	}
	started := time.Now()
	for step := 0; step < input.Operations; step++ {
		if live, err = strategicpatch.StrategicMergeMapPatchUsingLookupPatchMeta(live, patch(step), patchMeta); err != nil {
			return 0, 0, fmt.Errorf("patch %d: %w", step, err)
		}
	}
	patchMicros = float64(time.Since(started).Nanoseconds()) / 1e3 / float64(input.Operations)

	liveObject = &unstructured.Unstructured{Object: live}
	for step := 0; step < input.Warmup; step++ {
		if liveObject, err = apply(liveObject, step); err != nil {
			return 0, 0, fmt.Errorf("apply %d: %w", step, err)
		}
	}
	started = time.Now()
	for step := 0; step < input.Operations; step++ {
		if liveObject, err = apply(liveObject, step); err != nil {
			return 0, 0, fmt.Errorf("apply %d: %w", step, err)
		}
	}
	applyMicros = float64(time.Since(started).Nanoseconds()) / 1e3 / float64(input.Operations)
	return patchMicros, applyMicros, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: merge-peer OPERATIONS.json")
		os.Exit(2)
	}
	var input operations
	text, err := os.ReadFile(os.Args[1])
	if err == nil {
		err = json.Unmarshal(text, &input)
	}
	if err == nil && (len(input.Configs) == 0 || len(input.Patches) == 0 || input.Operations <= 0) {
		err = fmt.Errorf("%s: needs operations > 0, configs and patches", os.Args[1])
	}
	var patchMicros, applyMicros float64
	if err == nil {
		patchMicros, applyMicros, err = run(input)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "merge-peer:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]float64{"patchMicros": patchMicros, "applyMicros": applyMicros})
}
