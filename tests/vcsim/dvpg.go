// Copyright: (c) 2026, vmnet.doctor contributors
// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

package main

// Distributed switch defaults and a faithful DistributedVirtualPortgroup.ReconfigureDVPortgroup_Task.
//
// The stock simulator creates switches without maxMtu or a default port setting and replaces a
// portgroup's whole config with the reconfigure spec (unset name, ports, VLAN... are wiped).
// The vSphere API reference says: the spec's configVersion must equal the portgroup's
// (ConcurrentAccess fault otherwise), a rename onto an existing name is DuplicateName, unset
// properties are left unchanged, and configVersion moves on after each change. A policy marked
// inherited takes the switch's value.
//
// Limitation kept: the stock ReconfigureDvs_Task only edits host membership (no maxMtu or
// defaultPortConfig changes); wrapping the switch type would break the simulator's own
// VirtualMachine device checks, which assert the concrete switch type.

import (
	"strconv"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type portgroup struct {
	// By value and first, for the property collector (see netsys.go).
	simulator.DistributedVirtualPortgroup
}

func boolPolicy(inherited, value bool) *types.BoolPolicy {
	return &types.BoolPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: inherited}, Value: types.NewBool(value)}
}

// switchSetting returns the switch's default port setting, filling vCenter's defaults
// (MTU 1500, VLAN 0, the three security options rejected) where the simulator left none.
func switchSetting(ref *types.ManagedObjectReference) *types.VMwareDVSPortSetting {
	if ref == nil {
		return nil
	}
	dvs, ok := simulator.Map.Get(*ref).(*simulator.DistributedVirtualSwitch)
	if !ok {
		return nil
	}
	cfg, ok := dvs.Config.(*types.VMwareDVSConfigInfo)
	if !ok {
		return nil
	}
	if cfg.MaxMtu == 0 {
		cfg.MaxMtu = 1500
	}
	if cfg.ConfigVersion == "" {
		cfg.ConfigVersion = "1"
	}
	if cfg.UplinkPortPolicy == nil {
		cfg.UplinkPortPolicy = &types.DVSNameArrayUplinkPortPolicy{
			UplinkPortName: []string{"uplink1", "uplink2", "uplink3", "uplink4"},
		}
	}
	if len(cfg.UplinkPortgroup) == 0 {
		// vCenter creates and lists the uplink portgroup "<switch>-DVUplinks-<n>".
		for _, ref := range dvs.Portgroup {
			if pg, ok := simulator.Map.Get(ref).(mo.Entity); ok && strings.Contains(pg.Entity().Name, "-DVUplinks-") {
				cfg.UplinkPortgroup = append(cfg.UplinkPortgroup, ref)
			}
		}
	}
	setting, _ := cfg.DefaultPortConfig.(*types.VMwareDVSPortSetting)
	if setting == nil {
		setting = &types.VMwareDVSPortSetting{}
		cfg.DefaultPortConfig = setting
	}
	if setting.Vlan == nil {
		setting.Vlan = &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 0}
	}
	if setting.SecurityPolicy == nil {
		setting.SecurityPolicy = &types.DVSSecurityPolicy{
			AllowPromiscuous: boolPolicy(false, false),
			MacChanges:       boolPolicy(false, false),
			ForgedTransmits:  boolPolicy(false, false),
		}
	}
	return setting
}

func installPortgroups() {
	for _, e := range simulator.Map.All("DistributedVirtualPortgroup") {
		old, ok := e.(*simulator.DistributedVirtualPortgroup)
		if !ok {
			continue
		}
		pg := &portgroup{DistributedVirtualPortgroup: *old}
		if pg.Config.ConfigVersion == "" {
			pg.Config.ConfigVersion = "1"
		}
		pg.inherit()
		simulator.Map.Put(pg)
	}
}

// inherit fills the portgroup's inherited (or missing) VLAN and security values from its switch.
func (s *portgroup) inherit() {
	base := switchSetting(s.Config.DistributedVirtualSwitch)
	if base == nil {
		return
	}
	setting, _ := s.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting)
	if setting == nil {
		setting = &types.VMwareDVSPortSetting{}
		s.Config.DefaultPortConfig = setting
	}
	if setting.Vlan == nil || setting.Vlan.GetVmwareDistributedVirtualSwitchVlanSpec().Inherited {
		if id, ok := base.Vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec); ok {
			v := *id
			v.Inherited = true
			setting.Vlan = &v
		}
	}
	if setting.SecurityPolicy == nil {
		setting.SecurityPolicy = &types.DVSSecurityPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: true}}
	}
	sp, bp := setting.SecurityPolicy, base.SecurityPolicy
	pairs := []struct{ dst **types.BoolPolicy; src *types.BoolPolicy }{
		{&sp.AllowPromiscuous, bp.AllowPromiscuous},
		{&sp.MacChanges, bp.MacChanges},
		{&sp.ForgedTransmits, bp.ForgedTransmits},
	}
	for _, p := range pairs {
		if *p.dst == nil || (*p.dst).Inherited {
			*p.dst = boolPolicy(true, p.src != nil && p.src.Value != nil && *p.src.Value)
		}
	}
}

// mergeSetting lays the set fields of a reconfigure spec's port setting over the current one.
func mergeSetting(cur *types.VMwareDVSPortSetting, spec types.BaseDVPortSetting) {
	in, ok := spec.(*types.VMwareDVSPortSetting)
	if !ok || in == nil {
		return
	}
	if in.Vlan != nil {
		cur.Vlan = in.Vlan
	}
	if in.SecurityPolicy != nil {
		if cur.SecurityPolicy == nil {
			cur.SecurityPolicy = &types.DVSSecurityPolicy{}
		}
		if in.SecurityPolicy.AllowPromiscuous != nil {
			cur.SecurityPolicy.AllowPromiscuous = in.SecurityPolicy.AllowPromiscuous
		}
		if in.SecurityPolicy.MacChanges != nil {
			cur.SecurityPolicy.MacChanges = in.SecurityPolicy.MacChanges
		}
		if in.SecurityPolicy.ForgedTransmits != nil {
			cur.SecurityPolicy.ForgedTransmits = in.SecurityPolicy.ForgedTransmits
		}
	}
	if in.UplinkTeamingPolicy != nil {
		cur.UplinkTeamingPolicy = in.UplinkTeamingPolicy
	}
	if in.QosTag != nil {
		cur.QosTag = in.QosTag
	}
	if in.IpfixEnabled != nil {
		cur.IpfixEnabled = in.IpfixEnabled
	}
	if in.TxUplink != nil {
		cur.TxUplink = in.TxUplink
	}
	if in.LacpPolicy != nil {
		cur.LacpPolicy = in.LacpPolicy
	}
	if in.MacManagementPolicy != nil {
		cur.MacManagementPolicy = in.MacManagementPolicy
	}
	if in.Blocked != nil {
		cur.Blocked = in.Blocked
	}
	if in.InShapingPolicy != nil {
		cur.InShapingPolicy = in.InShapingPolicy
	}
	if in.OutShapingPolicy != nil {
		cur.OutShapingPolicy = in.OutShapingPolicy
	}
}

func (s *portgroup) ReconfigureDVPortgroupTask(ctx *simulator.Context, req *types.ReconfigureDVPortgroup_Task) soap.HasFault {
	task := simulator.CreateTask(s, "reconfigureDvPortgroup", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		spec := req.Spec
		if spec.ConfigVersion != s.Config.ConfigVersion {
			return nil, &types.ConcurrentAccess{}
		}
		if spec.Name != "" && spec.Name != s.Name {
			if folder, ok := simulator.Map.Get(*s.Parent).(*simulator.Folder); ok {
				if obj := simulator.Map.FindByName(spec.Name, folder.ChildEntity); obj != nil {
					return nil, &types.DuplicateName{Name: spec.Name, Object: obj.Reference()}
				}
			}
		}
		if spec.DefaultPortConfig != nil {
			cur, _ := s.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting)
			if cur == nil {
				cur = &types.VMwareDVSPortSetting{}
				s.Config.DefaultPortConfig = cur
			}
			if v, ok := spec.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok && v.Vlan != nil {
				if id, ok := v.Vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec); ok && (id.VlanId < 0 || id.VlanId > 4094) {
					return nil, &types.InvalidArgument{InvalidProperty: "defaultPortConfig.vlan.vlanId"}
				}
			}
			mergeSetting(cur, spec.DefaultPortConfig)
		}
		if spec.Name != "" && spec.Name != s.Name {
			simulator.Map.Update(s, []types.PropertyChange{{Name: "name", Val: spec.Name}})
			s.Config.Name = spec.Name
			if s.Summary != nil {
				s.Summary.GetNetworkSummary().Name = spec.Name
			}
		}
		if spec.NumPorts != 0 {
			s.Config.NumPorts = spec.NumPorts
		}
		if spec.Description != "" {
			s.Config.Description = spec.Description
		}
		if spec.Type != "" {
			s.Config.Type = spec.Type
		}
		if spec.AutoExpand != nil {
			s.Config.AutoExpand = spec.AutoExpand
		}
		if spec.Policy != nil {
			s.Config.Policy = spec.Policy
		}
		if spec.PortNameFormat != "" {
			s.Config.PortNameFormat = spec.PortNameFormat
		}
		s.inherit()
		n, _ := strconv.Atoi(s.Config.ConfigVersion)
		s.Config.ConfigVersion = strconv.Itoa(n + 1)
		return nil, nil
	})
	return &methods.ReconfigureDVPortgroup_TaskBody{
		Res: &types.ReconfigureDVPortgroup_TaskResponse{Returnval: task.Run()},
	}
}

// connectPoweredOnNics connects the NICs of powered-on VMs that are set to start connected,
// as powering on a real VM does (the stock model leaves them disconnected), and names the
// network in guest.net as VMware Tools reports it.
func connectPoweredOnNics() {
	for _, e := range simulator.Map.All("VirtualMachine") {
		vm, ok := e.(*simulator.VirtualMachine)
		if !ok || vm.Config == nil {
			continue
		}
		on := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
		for _, dev := range vm.Config.Hardware.Device {
			nic, ok := dev.(types.BaseVirtualEthernetCard)
			if !ok {
				continue
			}
			card := nic.GetVirtualEthernetCard()
			if c := card.Connectable; c != nil && on && c.StartConnected {
				c.Connected = true
				c.Status = "ok"
			}
			name := ""
			switch b := card.Backing.(type) {
			case *types.VirtualEthernetCardNetworkBackingInfo:
				name = b.DeviceName
			case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
				ref := types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: b.Port.PortgroupKey}
				if pg, ok := simulator.Map.Get(ref).(mo.Entity); ok {
					name = pg.Entity().Name
				}
			}
			for i := range vm.Guest.Net {
				if vm.Guest.Net[i].DeviceConfigId == card.Key {
					vm.Guest.Net[i].Network = name
					vm.Guest.Net[i].Connected = card.Connectable != nil && card.Connectable.Connected
				}
			}
		}
	}
}
