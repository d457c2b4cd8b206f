// controller-runtime-peer: a controller-runtime manager with one no-op ConfigMap reconciler, the Go
// peer of bench/core-coldstart and bench/core-latency. Built as a controller-runtime user writes it:
// ctrl.NewManager with the defaults, a cache limited to one namespace, NewControllerManagedBy(...)
// .For(&corev1.ConfigMap{}), MaxConcurrentReconciles as the benches' concurrency.
//
//	controller-runtime-peer coldstart -kubeconfig F -namespace NS -count N [-concurrency 16]
//	    exits once N distinct ConfigMaps were reconciled, printing one JSON line on stdout:
//	    {"mode","elapsedMs","firstMs","maxRssMb","cacheBytesPerObject"}
//	controller-runtime-peer observe -kubeconfig F -namespace NS [-concurrency 16]
//	    speaks bench/core-latency's observer protocol as JSON lines: stdout {"type":"ready"} once the
//	    cache is synced; then per stdin command {"type":"highest"|"collect"|"stop"} the reply
//	    {"type":"highest","resourceVersion"} or {"type":"collected","observations":[[index,rv,at]],"cpuMs"}.
//	    Times are wall-clock milliseconds with sub-ms resolution, as the Node processes' own.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

func wallClockMs() float64 { return float64(time.Now().UnixNano()) / 1e6 }

func cpuMs() float64 {
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e6
}

func maxRssMb() float64 {
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return float64(usage.Maxrss) / 1024 // kilobytes on Linux
}

func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}

// reconcileFunc adapts a function to reconcile.Reconciler.
type reconcileFunc func(context.Context, ctrl.Request) (ctrl.Result, error)

func (f reconcileFunc) Reconcile(ctx context.Context, request ctrl.Request) (ctrl.Result, error) {
	return f(ctx, request)
}

func newManager(kubeconfig, namespace string) (ctrl.Manager, error) {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	return ctrl.NewManager(config, ctrl.Options{
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{namespace: {}}},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
}

func addConfigMapController(manager ctrl.Manager, concurrency int, reconcile reconcileFunc) error {
	return ctrl.NewControllerManagedBy(manager).
		For(&corev1.ConfigMap{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrency}).
		Complete(reconcile)
}

func coldstart(kubeconfig, namespace string, count, concurrency int) error {
	started := time.Now()
	manager, err := newManager(kubeconfig, namespace)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	reconciled := make(map[string]struct{}, count)
	var firstMs, elapsedMs float64
	all := make(chan struct{})
	err = addConfigMapController(manager, concurrency, func(_ context.Context, request ctrl.Request) (ctrl.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		if firstMs == 0 {
			firstMs = float64(time.Since(started).Microseconds()) / 1000
		}
		reconciled[request.Name] = struct{}{}
		if len(reconciled) == count && elapsedMs == 0 {
			elapsedMs = float64(time.Since(started).Microseconds()) / 1000
			close(all)
		}
		return ctrl.Result{}, nil
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- manager.Start(ctx) }()
	select {
	case <-all:
	case err := <-stopped:
		cancel()
		return fmt.Errorf("manager stopped before every ConfigMap was reconciled: %v", err)
	}
	// The cache's size: the heap with everything in place minus the heap once the manager is gone.
	withCache := heapBytes()
	cancel()
	if err := <-stopped; err != nil {
		return err
	}
	manager = nil
	time.Sleep(100 * time.Millisecond)
	withoutCache := heapBytes()
	result := map[string]any{
		"mode":                "controller-runtime",
		"elapsedMs":           elapsedMs,
		"firstMs":             firstMs,
		"maxRssMb":            maxRssMb(),
		"cacheBytesPerObject": (float64(withCache) - float64(withoutCache)) / float64(count),
	}
	return json.NewEncoder(os.Stdout).Encode(result)
}

// indexOf: "cm-17" → 17.
func indexOf(name string) int {
	index, _ := strconv.Atoi(strings.TrimPrefix(name, "cm-"))
	return index
}

func observe(kubeconfig, namespace string, concurrency int) error {
	manager, err := newManager(kubeconfig, namespace)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	observations := make([][3]float64, 0, 1<<16)
	highest := 0
	reader := manager.GetClient()
	err = addConfigMapController(manager, concurrency, func(ctx context.Context, request ctrl.Request) (ctrl.Result, error) {
		at := wallClockMs()
		var configMap corev1.ConfigMap
		if err := reader.Get(ctx, request.NamespacedName, &configMap); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
		resourceVersion, _ := strconv.Atoi(configMap.ResourceVersion)
		mu.Lock()
		observations = append(observations, [3]float64{float64(indexOf(configMap.Name)), float64(resourceVersion), at})
		if resourceVersion > highest {
			highest = resourceVersion
		}
		mu.Unlock()
		return ctrl.Result{}, nil
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- manager.Start(ctx) }()
	if !manager.GetCache().WaitForCacheSync(ctx) {
		return fmt.Errorf("cache did not sync: %v", <-stopped)
	}
	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(map[string]string{"type": "ready"}); err != nil {
		return err
	}
	commands := bufio.NewScanner(os.Stdin)
	for commands.Scan() {
		var command struct{ Type string }
		if err := json.Unmarshal(commands.Bytes(), &command); err != nil {
			return fmt.Errorf("observer command %q: %w", commands.Text(), err)
		}
		switch command.Type {
		case "highest":
			mu.Lock()
			reply := map[string]any{"type": "highest", "resourceVersion": highest}
			mu.Unlock()
			err = out.Encode(reply)
		case "collect":
			mu.Lock()
			collected := observations
			observations = make([][3]float64, 0, 1<<16)
			mu.Unlock()
			err = out.Encode(map[string]any{"type": "collected", "observations": collected, "cpuMs": cpuMs(), "maxRssMb": maxRssMb(), "interruptions": []string{}})
		case "stop":
			cancel()
			return <-stopped
		default:
			err = fmt.Errorf("unknown observer command %q", command.Type)
		}
		if err != nil {
			return err
		}
	}
	cancel()
	return <-stopped
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: controller-runtime-peer coldstart|observe -kubeconfig FILE -namespace NS [-count N] [-concurrency N]")
		os.Exit(2)
	}
	mode := os.Args[1]
	flags := flag.NewFlagSet(mode, flag.ExitOnError)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig of the control plane")
	namespace := flags.String("namespace", "", "the namespace whose ConfigMaps are reconciled")
	count := flags.Int("count", 0, "coldstart: how many ConfigMaps to wait for")
	concurrency := flags.Int("concurrency", 16, "MaxConcurrentReconciles")
	_ = flags.Parse(os.Args[2:])
	ctrl.SetLogger(logr.Discard())

	var err error
	switch mode {
	case "coldstart":
		err = coldstart(*kubeconfig, *namespace, *count, *concurrency)
	case "observe":
		err = observe(*kubeconfig, *namespace, *concurrency)
	default:
		err = fmt.Errorf("unknown mode %q (coldstart or observe)", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "controller-runtime-peer:", err)
		os.Exit(1)
	}
}
