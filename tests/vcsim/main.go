// Copyright: (c) 2026, vmnet.doctor contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

// vcsim is the vCenter simulator the vmnet.doctor test suite runs: govmomi's simulator
// (Debian golang-github-vmware-govmomi-dev) with a VPX inventory sized by flags, served over
// HTTPS on 127.0.0.1, plus the HostNetworkSystem and DistributedVirtualPortgroup methods the
// collection's modules call and the stock simulator lacks or simplifies (see netsys.go, dvpg.go).
//
// It prints one JSON line {"url": ..., "host": ..., "port": ...} on stdout when ready and exits
// on SIGTERM/SIGINT.
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	datacenters := flag.Int("datacenters", 1, "number of datacenters")
	clusters := flag.Int("clusters", 1, "clusters per datacenter")
	hosts := flag.Int("hosts", 3, "hosts per cluster")
	standalone := flag.Int("standalone-hosts", 1, "standalone hosts per datacenter")
	vms := flag.Int("vms", 2, "VMs per cluster resource pool and per standalone host")
	portgroups := flag.Int("dvportgroups", 1, "distributed portgroups per datacenter (0: no distributed switch)")
	port := flag.Int("port", 0, "TCP port on 127.0.0.1 (0: a free one)")
	username := flag.String("username", "user", "login user name")
	password := flag.String("password", "pass", "login password")
	flag.Parse()

	model := simulator.VPX()
	model.Datacenter = *datacenters
	model.Cluster = *clusters
	model.ClusterHost = *hosts
	model.Host = *standalone
	model.Machine = *vms
	model.Portgroup = *portgroups

	if err := model.Create(); err != nil {
		log.Fatalf("create model: %v", err)
	}
	defer model.Remove()

	installNetworkSystems()
	installPortgroups()
	connectPoweredOnNics()

	model.Service.TLS = new(tls.Config)
	model.Service.Listen = &url.URL{
		Host: fmt.Sprintf("127.0.0.1:%d", *port),
		User: url.UserPassword(*username, *password),
	}
	server := model.Service.NewServer()
	defer server.Close()
	// Count SOAP calls (GET /vcsim/stats); swapped in before anyone knows the address.
	server.Config.Handler = newCounter(server.Config.Handler)

	ready, _ := json.Marshal(map[string]interface{}{
		"url":  server.URL.Scheme + "://" + server.URL.Host + server.URL.Path,
		"host": server.URL.Hostname(),
		"port": server.URL.Port(),
	})
	fmt.Println(string(ready))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
