// Copyright: (c) 2026, vmnet.doctor contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

// SOAP call counting for tests and the benchmark: every POST to the SDK endpoint is one SOAP
// round trip. GET /vcsim/stats returns {"soap": N, "methods": {"RetrievePropertiesEx": n, ...}};
// GET /vcsim/stats?reset=1 returns the counts and sets them back to zero.
// The same front handler completes ReconfigureDvs_Task (see dvs.go).

import (
	"bytes"
	"encoding/json"
	"io/ioutil"
	"net/http"
	"regexp"
	"sync"
)

var bodyMethod = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?Body[^>]*>\s*<(?:[A-Za-z0-9_]+:)?([A-Za-z0-9_]+)`)

type counter struct {
	next    http.Handler
	mu      sync.Mutex
	total   int
	methods map[string]int
}

func newCounter(next http.Handler) *counter {
	return &counter{next: next, methods: map[string]int{}}
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/vcsim/stats" {
		c.mu.Lock()
		out, _ := json.Marshal(map[string]interface{}{"soap": c.total, "methods": c.methods})
		if r.URL.Query().Get("reset") != "" {
			c.total = 0
			c.methods = map[string]int{}
		}
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
		return
	}
	if r.Method == http.MethodPost {
		body, err := ioutil.ReadAll(r.Body)
		if err == nil {
			r.Body = ioutil.NopCloser(bytes.NewReader(body))
			name := "unknown"
			if m := bodyMethod.FindSubmatch(body); m != nil {
				name = string(m[1])
			}
			c.mu.Lock()
			c.total++
			c.methods[name]++
			c.mu.Unlock()
			if name == "ReconfigureDvs_Task" && reconfigureDvs(c.next, w, r, body) {
				return
			}
		}
	}
	c.next.ServeHTTP(w, r)
}
