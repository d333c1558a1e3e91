// The raw env ABI from AssemblyScript (the SDK's bindings, none of its wrappers): timers,
// messaging and the event layout, as an AssemblyScript container sees them.
import { console, CString } from "ocre";
import {
  ocre_get_event,
  ocre_messaging_free_module_event_data,
  ocre_publish_message,
  ocre_sleep,
  ocre_subscribe_message,
  ocre_timer_create,
  ocre_timer_delete,
  ocre_timer_start,
} from "ocre/bindings/env";

const ev = memory.data(24, 4);
function show(what: string, rc: i32): void {
  console.log(what + " = " + rc.toString());
}
function getEvent(): i32 {
  return ocre_get_event(ev, ev + 4, ev + 8, ev + 12, ev + 16, ev + 20);
}

const topic = new CString("as/x");
const type = new CString("text/plain");
const payload = new CString("hello");
const empty = new CString("");
show("timer_create(1)", ocre_timer_create(1));
show("timer_create(9)", ocre_timer_create(9));
show("timer_start(1, 25, 0)", ocre_timer_start(1, 25, 0));
show('subscribe("")', ocre_subscribe_message(empty.ptr));
show('subscribe("as/")', ocre_subscribe_message(new CString("as/").ptr));
show("publish(empty type)", ocre_publish_message(topic.ptr, empty.ptr, payload.ptr, 5));
show("publish(len 0)", ocre_publish_message(topic.ptr, type.ptr, payload.ptr, 0));
show("publish", ocre_publish_message(topic.ptr, type.ptr, payload.ptr, 5));
show("sleep(30)", ocre_sleep(30));
let rc = getEvent();
while (rc == 0) {
  const kind = load<u32>(ev);
  if (kind == 3) {
    console.log(
      "message " + String.UTF8.decodeUnsafe(load<u32>(ev, 8), 4) + " " + load<u32>(ev, 20).toString() + " bytes",
    );
    show("free", ocre_messaging_free_module_event_data(load<u32>(ev, 8), load<u32>(ev, 12), load<u32>(ev, 16)));
  } else console.log("event type " + kind.toString() + " id " + load<u32>(ev, 4).toString());
  rc = getEvent();
}
show("get_event (empty)", rc);
show("timer_delete(1)", ocre_timer_delete(1));
