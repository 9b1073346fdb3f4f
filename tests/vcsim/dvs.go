// Copyright: (c) 2026, vmnet.doctor contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

// DistributedVirtualSwitch.ReconfigureDvs_Task, completed. The stock simulator only edits host
// membership and ignores configVersion, maxMtu and defaultPortConfig. The switch type cannot be
// wrapped (the simulator's VirtualMachine device checks assert the concrete type), so the call
// is completed in front of the SDK handler (see stats.go):
//
//   - configVersion must equal the switch's, else the task fails with ConcurrentAccess;
//     a maxMtu outside 1280..9000 fails with InvalidArgument (both before anything changes);
//   - the stock method runs (authentication, host membership, the Task);
//   - when its task succeeded: maxMtu and the set fields of defaultPortConfig are applied
//     (unset ones are left unchanged), configVersion moves on, and the switch's portgroups
//     re-inherit the values they do not override.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

type reconfigureDvsEnvelope struct {
	Body struct {
		Req types.ReconfigureDvs_Task `xml:"ReconfigureDvs_Task"`
	} `xml:"Body"`
}

var taskReturn = regexp.MustCompile(`<returnval type="Task">([^<]+)</returnval>`)

const taskResponse = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><ReconfigureDvs_TaskResponse xmlns="urn:vim25"><returnval type="Task">%s</returnval></ReconfigureDvs_TaskResponse></soapenv:Body></soapenv:Envelope>`

// reconfigureDvs serves ReconfigureDvs_Task; false when the request is left to the stock handler.
func reconfigureDvs(next http.Handler, w http.ResponseWriter, r *http.Request, body []byte) bool {
	var env reconfigureDvsEnvelope
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.TypeFunc = types.TypeFunc()
	if err := dec.Decode(&env); err != nil || env.Body.Req.Spec == nil {
		return false
	}
	dvs, ok := simulator.Map.Get(env.Body.Req.This).(*simulator.DistributedVirtualSwitch)
	if !ok {
		return false
	}
	cfg, ok := dvs.Config.(*types.VMwareDVSConfigInfo)
	if !ok {
		return false
	}
	spec := env.Body.Req.Spec.GetDVSConfigSpec()
	var mtu int32
	if vs, ok := env.Body.Req.Spec.(*types.VMwareDVSConfigSpec); ok {
		mtu = vs.MaxMtu
	}

	var fault types.BaseMethodFault
	if spec.ConfigVersion != cfg.ConfigVersion {
		fault = &types.ConcurrentAccess{}
	} else if mtu != 0 && (mtu < 1280 || mtu > 9000) {
		fault = &types.InvalidArgument{InvalidProperty: "spec.maxMtu"}
	}
	if fault != nil {
		task := simulator.CreateTask(dvs, "reconfigureDvs", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
			return nil, fault
		})
		ref := task.Run()
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = fmt.Fprintf(w, taskResponse, ref.Value)
		return true
	}

	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	if m := taskReturn.FindSubmatch(rec.Body.Bytes()); m != nil {
		ref := types.ManagedObjectReference{Type: "Task", Value: string(m[1])}
		if task, ok := simulator.Map.Get(ref).(*simulator.Task); ok && task.Info.State == types.TaskInfoStateSuccess {
			simulator.Map.WithLock(dvs, func() {
				if mtu != 0 {
					cfg.MaxMtu = mtu
				}
				if spec.DefaultPortConfig != nil {
					cur := switchSetting(&dvs.Self)
					mergeSetting(cur, spec.DefaultPortConfig)
				}
				n, _ := strconv.Atoi(cfg.ConfigVersion)
				cfg.ConfigVersion = strconv.Itoa(n + 1)
			})
			for _, pgRef := range dvs.Portgroup {
				if pg, ok := simulator.Map.Get(pgRef).(*portgroup); ok {
					pg.inherit()
				}
			}
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
	return true
}
