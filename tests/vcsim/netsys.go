// Copyright: (c) 2026, vmnet.doctor contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

// HostNetworkSystem methods the stock simulator lacks (UpdateVirtualSwitch, UpdatePortGroup) or
// simplifies (AddVirtualSwitch drops the spec; AddPortGroup/RemovePortGroup keep their own copy
// of the network info and store portgroup names where the API stores keys).
//
// The wrapper keeps ONE HostNetworkInfo: the host's config.network, which is also the network
// system's networkInfo, as on a real ESXi host. Arguments, faults and effects follow the vSphere
// Web Services API reference (HostNetworkSystem):
//
//   AddVirtualSwitch(vswitchName, spec?)  AlreadyExists, ResourceInUse (uplink bound elsewhere),
//                                         InvalidArgument (bad name, MTU, unknown uplink)
//   UpdateVirtualSwitch(vswitchName, spec) NotFound, ResourceInUse, InvalidArgument; the spec
//                                         replaces the switch's spec (bridge unset = no uplinks)
//   RemoveVirtualSwitch(vswitchName)       NotFound, ResourceInUse (a VMkernel NIC uses it)
//   AddPortGroup(portgrp)                  AlreadyExists, NotFound (vswitch), InvalidArgument
//   UpdatePortGroup(pgName, portgrp)       NotFound (portgroup or vswitch), AlreadyExists
//                                         (renamed onto an existing name), InvalidArgument
//   RemovePortGroup(pgName)                NotFound, ResourceInUse (a VMkernel NIC uses it)
//
// Every change recomputes the portgroups' computedPolicy: the switch policy with the
// portgroup's own (override) fields laid over it, which is what the real API reports.

import (
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	vswitchKeyPrefix   = "key-vim.host.VirtualSwitch-"
	portgroupKeyPrefix = "key-vim.host.PortGroup-"
	pnicKeyPrefix      = "key-vim.host.PhysicalNic-"
	maxNameLength      = 32
)

type networkSystem struct {
	// By value and first: the property collector walks the first field down to mo.HostNetworkSystem.
	simulator.HostNetworkSystem
}

// installNetworkSystems replaces every host's network system with the wrapper.
func installNetworkSystems() {
	for _, e := range simulator.Map.All("HostSystem") {
		h := e.(*simulator.HostSystem)
		old, ok := simulator.Map.Get(*h.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem)
		if !ok {
			continue
		}
		ns := &networkSystem{HostNetworkSystem: *old}
		ns.Host = &h.HostSystem
		ns.NetworkInfo = h.Config.Network
		recompute(ns.NetworkInfo)
		simulator.Map.Put(ns)
	}
}

func fault(f types.BaseMethodFault) *soap.Fault {
	return simulator.Fault("", f)
}

func (s *networkSystem) vswitchIndex(name string) int {
	for i := range s.NetworkInfo.Vswitch {
		if s.NetworkInfo.Vswitch[i].Name == name {
			return i
		}
	}
	return -1
}

func (s *networkSystem) portgroupIndex(name string) int {
	for i := range s.NetworkInfo.Portgroup {
		if s.NetworkInfo.Portgroup[i].Spec.Name == name {
			return i
		}
	}
	return -1
}

func (s *networkSystem) vnicUses(pgName string) bool {
	for _, v := range s.NetworkInfo.Vnic {
		if v.Portgroup == pgName || v.Spec.Portgroup == pgName {
			return true
		}
	}
	return false
}

// uplinks validates the bridge of a switch spec and returns its physical NIC keys.
func (s *networkSystem) uplinks(vswitch string, spec *types.HostVirtualSwitchSpec) ([]string, types.BaseMethodFault) {
	var keys []string
	if spec == nil || spec.Bridge == nil {
		return keys, nil
	}
	var devices []string
	switch b := spec.Bridge.(type) {
	case *types.HostVirtualSwitchBondBridge:
		devices = b.NicDevice
	case *types.HostVirtualSwitchSimpleBridge:
		devices = []string{b.NicDevice}
	case *types.HostVirtualSwitchAutoBridge:
		return keys, nil
	default:
		return nil, &types.InvalidArgument{InvalidProperty: "spec.bridge"}
	}
	for _, dev := range devices {
		found := false
		for _, p := range s.NetworkInfo.Pnic {
			if p.Device == dev {
				found = true
			}
		}
		if !found {
			return nil, &types.InvalidArgument{InvalidProperty: "spec.bridge.nicDevice"}
		}
		for _, vs := range s.NetworkInfo.Vswitch {
			if vs.Name == vswitch {
				continue
			}
			for _, k := range vs.Pnic {
				if k == pnicKeyPrefix+dev {
					return nil, &types.ResourceInUse{Type: "PhysicalNic", Name: dev}
				}
			}
		}
		keys = append(keys, pnicKeyPrefix+dev)
	}
	return keys, nil
}

func validMtu(mtu int32) bool {
	return mtu == 0 || (mtu >= 1280 && mtu <= 9000)
}

func validVlan(vlan int32) bool {
	return vlan >= 0 && vlan <= 4095
}

func defaultSwitchPolicy() *types.HostNetworkPolicy {
	return &types.HostNetworkPolicy{
		Security: &types.HostNetworkSecurityPolicy{
			AllowPromiscuous: types.NewBool(false),
			MacChanges:       types.NewBool(true),
			ForgedTransmits:  types.NewBool(true),
		},
		NicTeaming: &types.HostNicTeamingPolicy{
			Policy:         "loadbalance_srcid",
			ReversePolicy:  types.NewBool(true),
			NotifySwitches: types.NewBool(true),
			RollingOrder:   types.NewBool(false),
		},
		OffloadPolicy: &types.HostNetOffloadCapabilities{},
		ShapingPolicy: &types.HostNetworkTrafficShapingPolicy{Enabled: types.NewBool(false)},
	}
}

func (s *networkSystem) AddVirtualSwitch(ctx *simulator.Context, req *types.AddVirtualSwitch) soap.HasFault {
	body := &methods.AddVirtualSwitchBody{}
	var f types.BaseMethodFault
	ctx.WithLock(s.Host, func() {
		name := req.VswitchName
		if name == "" || len(name) > maxNameLength {
			f = &types.InvalidArgument{InvalidProperty: "vswitchName"}
			return
		}
		if s.vswitchIndex(name) >= 0 {
			f = &types.AlreadyExists{Name: name}
			return
		}
		spec := types.HostVirtualSwitchSpec{NumPorts: 128}
		if req.Spec != nil {
			spec = *req.Spec
		}
		if !validMtu(spec.Mtu) {
			f = &types.InvalidArgument{InvalidProperty: "spec.mtu"}
			return
		}
		pnics, bad := s.uplinks(name, &spec)
		if bad != nil {
			f = bad
			return
		}
		if spec.Policy == nil {
			spec.Policy = defaultSwitchPolicy()
		}
		mtu := spec.Mtu
		if mtu == 0 {
			mtu = 1500
		}
		s.NetworkInfo.Vswitch = append(s.NetworkInfo.Vswitch, types.HostVirtualSwitch{
			Name:              name,
			Key:               vswitchKeyPrefix + name,
			NumPorts:          spec.NumPorts,
			NumPortsAvailable: spec.NumPorts,
			Mtu:               mtu,
			Pnic:              pnics,
			Spec:              spec,
		})
	})
	if f != nil {
		body.Fault_ = fault(f)
		return body
	}
	body.Res = &types.AddVirtualSwitchResponse{}
	return body
}

func (s *networkSystem) UpdateVirtualSwitch(ctx *simulator.Context, req *types.UpdateVirtualSwitch) soap.HasFault {
	body := &methods.UpdateVirtualSwitchBody{}
	var f types.BaseMethodFault
	ctx.WithLock(s.Host, func() {
		i := s.vswitchIndex(req.VswitchName)
		if i < 0 {
			f = &types.NotFound{}
			return
		}
		spec := req.Spec
		if !validMtu(spec.Mtu) {
			f = &types.InvalidArgument{InvalidProperty: "spec.mtu"}
			return
		}
		pnics, bad := s.uplinks(req.VswitchName, &spec)
		if bad != nil {
			f = bad
			return
		}
		vs := &s.NetworkInfo.Vswitch[i]
		if spec.Policy == nil {
			spec.Policy = vs.Spec.Policy
		}
		if spec.Mtu != 0 {
			vs.Mtu = spec.Mtu
		}
		if spec.NumPorts != 0 {
			vs.NumPorts = spec.NumPorts
		}
		vs.Pnic = pnics
		vs.Spec = spec
		recompute(s.NetworkInfo)
	})
	if f != nil {
		body.Fault_ = fault(f)
		return body
	}
	body.Res = &types.UpdateVirtualSwitchResponse{}
	return body
}

func (s *networkSystem) RemoveVirtualSwitch(ctx *simulator.Context, req *types.RemoveVirtualSwitch) soap.HasFault {
	body := &methods.RemoveVirtualSwitchBody{}
	var f types.BaseMethodFault
	var removed []string
	ctx.WithLock(s.Host, func() {
		i := s.vswitchIndex(req.VswitchName)
		if i < 0 {
			f = &types.NotFound{}
			return
		}
		for _, pg := range s.NetworkInfo.Portgroup {
			if pg.Spec.VswitchName == req.VswitchName && s.vnicUses(pg.Spec.Name) {
				f = &types.ResourceInUse{Type: "HostPortGroup", Name: pg.Spec.Name}
				return
			}
		}
		var keep []types.HostPortGroup
		for _, pg := range s.NetworkInfo.Portgroup {
			if pg.Spec.VswitchName == req.VswitchName {
				removed = append(removed, pg.Spec.Name)
			} else {
				keep = append(keep, pg)
			}
		}
		s.NetworkInfo.Portgroup = keep
		vs := s.NetworkInfo.Vswitch
		s.NetworkInfo.Vswitch = append(vs[:i:i], vs[i+1:]...)
	})
	if f != nil {
		body.Fault_ = fault(f)
		return body
	}
	for _, name := range removed {
		s.detachNetwork(name)
	}
	body.Res = &types.RemoveVirtualSwitchResponse{}
	return body
}

func (s *networkSystem) AddPortGroup(ctx *simulator.Context, req *types.AddPortGroup) soap.HasFault {
	body := &methods.AddPortGroupBody{}
	var f types.BaseMethodFault
	spec := req.Portgrp
	ctx.WithLock(s.Host, func() {
		if spec.Name == "" || len(spec.Name) > 59 {
			f = &types.InvalidArgument{InvalidProperty: "portgrp.name"}
			return
		}
		if !validVlan(spec.VlanId) {
			f = &types.InvalidArgument{InvalidProperty: "portgrp.vlanId"}
			return
		}
		if s.portgroupIndex(spec.Name) >= 0 {
			f = &types.AlreadyExists{Name: spec.Name}
			return
		}
		i := s.vswitchIndex(spec.VswitchName)
		if i < 0 {
			f = &types.NotFound{}
			return
		}
		key := portgroupKeyPrefix + spec.Name
		vs := &s.NetworkInfo.Vswitch[i]
		vs.Portgroup = append(vs.Portgroup, key)
		s.NetworkInfo.Portgroup = append(s.NetworkInfo.Portgroup, types.HostPortGroup{
			Key:     key,
			Vswitch: vs.Key,
			Spec:    spec,
		})
		recompute(s.NetworkInfo)
	})
	if f != nil {
		body.Fault_ = fault(f)
		return body
	}
	s.attachNetwork(ctx, spec.Name)
	body.Res = &types.AddPortGroupResponse{}
	return body
}

func (s *networkSystem) UpdatePortGroup(ctx *simulator.Context, req *types.UpdatePortGroup) soap.HasFault {
	body := &methods.UpdatePortGroupBody{}
	var f types.BaseMethodFault
	spec := req.Portgrp
	renamed := false
	ctx.WithLock(s.Host, func() {
		i := s.portgroupIndex(req.PgName)
		if i < 0 {
			f = &types.NotFound{}
			return
		}
		if spec.Name == "" {
			spec.Name = req.PgName
		}
		if spec.Name != req.PgName {
			if len(spec.Name) > 59 {
				f = &types.InvalidArgument{InvalidProperty: "portgrp.name"}
				return
			}
			if s.portgroupIndex(spec.Name) >= 0 {
				f = &types.AlreadyExists{Name: spec.Name}
				return
			}
			renamed = true
		}
		if !validVlan(spec.VlanId) {
			f = &types.InvalidArgument{InvalidProperty: "portgrp.vlanId"}
			return
		}
		j := s.vswitchIndex(spec.VswitchName)
		if j < 0 {
			f = &types.NotFound{}
			return
		}
		pg := &s.NetworkInfo.Portgroup[i]
		oldKey := pg.Key
		newKey := portgroupKeyPrefix + spec.Name
		for k := range s.NetworkInfo.Vswitch {
			vs := &s.NetworkInfo.Vswitch[k]
			var keys []string
			for _, key := range vs.Portgroup {
				if key != oldKey {
					keys = append(keys, key)
				}
			}
			if k == j {
				keys = append(keys, newKey)
			}
			vs.Portgroup = keys
		}
		pg.Key = newKey
		pg.Vswitch = s.NetworkInfo.Vswitch[j].Key
		pg.Spec = spec
		if renamed {
			for k := range s.NetworkInfo.Vnic {
				v := &s.NetworkInfo.Vnic[k]
				if v.Portgroup == req.PgName {
					v.Portgroup = spec.Name
					v.Spec.Portgroup = spec.Name
				}
			}
		}
		recompute(s.NetworkInfo)
	})
	if f != nil {
		body.Fault_ = fault(f)
		return body
	}
	if renamed {
		s.detachNetwork(req.PgName)
		s.attachNetwork(ctx, spec.Name)
	}
	body.Res = &types.UpdatePortGroupResponse{}
	return body
}

func (s *networkSystem) RemovePortGroup(ctx *simulator.Context, req *types.RemovePortGroup) soap.HasFault {
	body := &methods.RemovePortGroupBody{}
	var f types.BaseMethodFault
	ctx.WithLock(s.Host, func() {
		i := s.portgroupIndex(req.PgName)
		if i < 0 {
			f = &types.NotFound{}
			return
		}
		if s.vnicUses(req.PgName) {
			f = &types.ResourceInUse{Type: "HostPortGroup", Name: req.PgName}
			return
		}
		key := s.NetworkInfo.Portgroup[i].Key
		for k := range s.NetworkInfo.Vswitch {
			vs := &s.NetworkInfo.Vswitch[k]
			var keys []string
			for _, pk := range vs.Portgroup {
				if pk != key {
					keys = append(keys, pk)
				}
			}
			vs.Portgroup = keys
		}
		pgs := s.NetworkInfo.Portgroup
		s.NetworkInfo.Portgroup = append(pgs[:i:i], pgs[i+1:]...)
	})
	if f != nil {
		body.Fault_ = fault(f)
		return body
	}
	s.detachNetwork(req.PgName)
	body.Res = &types.RemovePortGroupResponse{}
	return body
}

// datacenter returns the host's datacenter.
func (s *networkSystem) datacenter() *simulator.Datacenter {
	var e mo.Entity = s.Host
	for e != nil && e.Entity().Parent != nil {
		obj := simulator.Map.Get(*e.Entity().Parent)
		if dc, ok := obj.(*simulator.Datacenter); ok {
			return dc
		}
		e, _ = obj.(mo.Entity)
	}
	return nil
}

// findNetwork returns the standard Network entity of that name in the host's datacenter.
func (s *networkSystem) findNetwork(dc *simulator.Datacenter, name string) *mo.Network {
	for _, ref := range dc.Network {
		if ref.Type != "Network" {
			continue
		}
		if n, ok := simulator.Map.Get(ref).(*mo.Network); ok && n.Name == name {
			return n
		}
	}
	return nil
}

// attachNetwork links the host to the datacenter's Network entity of that name, creating it
// when no host had a portgroup of that name yet (as vCenter does).
func (s *networkSystem) attachNetwork(ctx *simulator.Context, name string) {
	dc := s.datacenter()
	if dc == nil {
		return
	}
	n := s.findNetwork(dc, name)
	if n == nil {
		folder, ok := simulator.Map.Get(dc.NetworkFolder).(*simulator.Folder)
		if !ok {
			return
		}
		n = &mo.Network{}
		n.Name = name
		simulator.Map.PutEntity(folder, simulator.Map.NewEntity(n))
		n.Summary = &types.NetworkSummary{Network: &n.Self, Name: name, Accessible: true}
		simulator.Map.AppendReference(folder, &folder.ChildEntity, n.Self)
		simulator.Map.AppendReference(dc, &dc.Network, n.Self)
	}
	simulator.Map.AddReference(n, &n.Host, s.Host.Self)
	simulator.Map.AddReference(s.Host, &s.Host.Network, n.Self)
}

// detachNetwork unlinks the host from the Network entity of that name.
func (s *networkSystem) detachNetwork(name string) {
	dc := s.datacenter()
	if dc == nil {
		return
	}
	if n := s.findNetwork(dc, name); n != nil {
		simulator.Map.RemoveReference(n, &n.Host, s.Host.Self)
		simulator.Map.RemoveReference(s.Host, &s.Host.Network, n.Self)
	}
}

// recompute normalises switch portgroup lists to keys and fills every portgroup's computedPolicy.
func recompute(info *types.HostNetworkInfo) {
	for i := range info.Vswitch {
		vs := &info.Vswitch[i]
		for j, k := range vs.Portgroup {
			if !strings.HasPrefix(k, portgroupKeyPrefix) {
				vs.Portgroup[j] = portgroupKeyPrefix + k
			}
		}
	}
	for i := range info.Portgroup {
		pg := &info.Portgroup[i]
		var base *types.HostNetworkPolicy
		for _, vs := range info.Vswitch {
			if vs.Name == pg.Spec.VswitchName {
				base = vs.Spec.Policy
				pg.Vswitch = vs.Key
			}
		}
		pg.ComputedPolicy = effectivePolicy(base, &pg.Spec.Policy)
	}
}

func pickBool(over, base *bool) *bool {
	if over != nil {
		return types.NewBool(*over)
	}
	if base != nil {
		return types.NewBool(*base)
	}
	return nil
}

// effectivePolicy lays the portgroup's set fields over the switch policy.
func effectivePolicy(base, over *types.HostNetworkPolicy) types.HostNetworkPolicy {
	if base == nil {
		base = &types.HostNetworkPolicy{}
	}
	out := types.HostNetworkPolicy{}

	bs, os := base.Security, over.Security
	if bs == nil {
		bs = &types.HostNetworkSecurityPolicy{}
	}
	if os == nil {
		os = &types.HostNetworkSecurityPolicy{}
	}
	out.Security = &types.HostNetworkSecurityPolicy{
		AllowPromiscuous: pickBool(os.AllowPromiscuous, bs.AllowPromiscuous),
		MacChanges:       pickBool(os.MacChanges, bs.MacChanges),
		ForgedTransmits:  pickBool(os.ForgedTransmits, bs.ForgedTransmits),
	}

	bt, ot := base.NicTeaming, over.NicTeaming
	if bt == nil {
		bt = &types.HostNicTeamingPolicy{}
	}
	if ot == nil {
		ot = &types.HostNicTeamingPolicy{}
	}
	team := &types.HostNicTeamingPolicy{
		Policy:          bt.Policy,
		ReversePolicy:   pickBool(ot.ReversePolicy, bt.ReversePolicy),
		NotifySwitches:  pickBool(ot.NotifySwitches, bt.NotifySwitches),
		RollingOrder:    pickBool(ot.RollingOrder, bt.RollingOrder),
		FailureCriteria: bt.FailureCriteria,
		NicOrder:        bt.NicOrder,
	}
	if ot.Policy != "" {
		team.Policy = ot.Policy
	}
	if ot.FailureCriteria != nil {
		team.FailureCriteria = ot.FailureCriteria
	}
	if ot.NicOrder != nil {
		team.NicOrder = ot.NicOrder
	}
	out.NicTeaming = team

	out.OffloadPolicy = base.OffloadPolicy
	if over.OffloadPolicy != nil && (over.OffloadPolicy.CsumOffload != nil || over.OffloadPolicy.TcpSegmentation != nil || over.OffloadPolicy.ZeroCopyXmit != nil) {
		out.OffloadPolicy = over.OffloadPolicy
	}

	out.ShapingPolicy = base.ShapingPolicy
	if over.ShapingPolicy != nil && over.ShapingPolicy.Enabled != nil {
		out.ShapingPolicy = over.ShapingPolicy
	}
	return out
}
