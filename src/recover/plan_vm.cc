#include <fmt/format.h>

#include "recover/plan_builder.h"
#include "util/text.h"

// The KVM VM's plans: a disk attached again, a VM started or resumed.

namespace stackdr::planning {

void PlanBuilder::attach(const VmConfig& vm, const VmDiskConfig& d) {
  std::string src = d.source;
  if (const ArrayConfig* a = t_.array(d.source))
    src = a->device;
  else if (const LunConfig* l = t_.lun(d.source))
    src = t_.by_path(*l);
  // The bus the target's name says, as libvirt reads it (vdX virtio, sdX SCSI: the VM's
  // virtio-scsi controller); the runbook's cache='none'. What `virsh attach-disk` cannot
  // carry (error_policy) is said, not dropped silently: the definition keeps it, and the
  // next start of the VM applies it.
  std::string bus = text::starts_with(d.target, "sd")   ? "scsi"
                    : text::starts_with(d.target, "hd") ? "ide"
                                                        : "virtio";
  Step& s =
      add("virsh.attach:" + vm.name + "/" + d.target,
          fmt::format("attach {} to {} as {}", src, vm.name, d.target),
          "Scenario 5, Step 3: VM attachment issue (reattach)", vm.host, Safety::kSafe,
          {"virsh", "attach-disk", vm.name, src, d.target, "--targetbus", bus, "--cache", "none", "--live"},
          d.target + " is attached", node_ok(node_id::vm_disk(vm, d)));
  s.predict =
      "attached live with cache=none; an error_policy in the VM's definition applies again from its next "
      "start (virsh attach-disk cannot set it)";
}

void PlanBuilder::vm_disk(const VmConfig& vm, const VmDiskConfig& d) {
  attach(vm, d);
}

void PlanBuilder::vm_start(const VmConfig& vm) {
  if (domain_state(vm) == "paused") {
    // Resumed only when libvirt says an I/O error paused it (error_policy='stop'): a VM its
    // admin paused (reason "user"), or one whose reason could not be read, is left paused.
    std::optional<std::string> why = pause_reason(vm);
    if (why != "I/O error") {
      p_.escalate =
          why ? fmt::format(
                    "{} is paused ({}), not by an I/O error: stackdr does not resume a pause it did not "
                    "see an error cause (`virsh resume {}` when it should run again)",
                    vm.name, why->empty() ? "no reason given" : *why, vm.name)
              : fmt::format(
                    "{} is paused and why could not be read (virsh domstate {} --reason): resume it "
                    "once it is known to be an I/O error's pause (`virsh resume {}`)",
                    vm.name, vm.name, vm.name);
      return;
    }
    add("virsh.resume:" + vm.name, "resume " + vm.name + " (paused on an I/O error)",
        "Scenario 2, Step 5: recover VMs", vm.host, Safety::kSafe, {"virsh", "resume", vm.name},
        vm.name + " is running", node_ok(node_id::vm(vm)));
    return;
  }
  add("virsh.start:" + vm.name, "start " + vm.name, "Scenario 2, Step 5: recover VMs", vm.host, Safety::kSafe,
      {"virsh", "start", vm.name}, vm.name + " is running", node_ok(node_id::vm(vm)));
}

std::optional<std::string> PlanBuilder::pause_reason(const VmConfig& vm) const {
  auto k = v_.observation.kvm.find(vm.host);
  if (k == v_.observation.kvm.end()) return std::nullopt;
  auto d = k->second.domstate.find(vm.name);
  if (d == k->second.domstate.end()) return std::nullopt;
  return d->second.reason;
}

std::string PlanBuilder::domain_state(const VmConfig& vm) const {
  auto k = v_.observation.kvm.find(vm.host);
  if (k == v_.observation.kvm.end() || !k->second.domains) return "";
  for (const auto& d : k->second.domains->domains)
    if (d.name == vm.name) return d.state;
  return "";
}

}  // namespace stackdr::planning
