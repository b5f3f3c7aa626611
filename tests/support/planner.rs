//! The worker's plan read, stood in for in `update` tests: a
//! `Request::Plan` is answered with a plan made by the same
//! [`Plan::build`] the worker's [`chime_admin::plan::make`] uses, from the
//! users the test says the service holds (by default the rows on screen).

use chime_admin::console::action::Action;
use chime_admin::console::effect::{Effect, Request};
use chime_admin::console::state::State;
use chime_admin::console::update::update;
use chime_admin::model::User;
use chime_admin::plan::Plan;

/// Answers every `Request::Plan` in `fx` from the rows on screen (what a
/// service that nobody else changed holds); returns the other effects and
/// those the answers caused.
pub fn answer_plans(s: &mut State, fx: Vec<Effect>) -> Vec<Effect> {
    answer_plans_with(s, fx, |_| {})
}

/// As [`answer_plans`], with `service` changing the users read first (as
/// another admin would have since the rows were loaded).
pub fn answer_plans_with(
    s: &mut State,
    fx: Vec<Effect>,
    service: impl Fn(&mut Vec<User>),
) -> Vec<Effect> {
    let mut out = Vec::new();
    for e in fx {
        let Effect::Io(Request::Plan {
            gen_id,
            account_id,
            change,
            user_ids,
        }) = e
        else {
            out.push(e);
            continue;
        };
        let v = s.users.as_ref().expect("a users view");
        let mut read: Vec<User> = v
            .list
            .items()
            .iter()
            .map(|r| r.user.clone())
            .filter(|u| user_ids.contains(&u.user_id))
            .collect();
        service(&mut read);
        let supported = v.account.supported_licenses.clone();
        let result = Plan::build(&account_id, supported.as_deref(), change, &user_ids, read)
            .map(Box::new)
            .map_err(chime_admin::console::action::PlanFailure::Refused);
        out.extend(update(s, Action::Planned { gen_id, result }));
    }
    out
}
