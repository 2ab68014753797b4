-- Trial conversion by trial-start month: started, converted, trial_to_paid_rate, engaged vs
-- abandoned trials and their conversion, and the median days from trial start to paid.
with

trials as (

    select * from {{ ref('fct_trials') }}

)

select
    cast(trial_month as date) as month,
    cast(count(*) as bigint) as trials_started,
    cast(count(case when is_converted then 1 end) as bigint) as trials_converted,
    cast(count(case when is_converted then 1 end) / count(*) as double) as trial_to_paid_rate,
    cast(count(case when is_engaged then 1 end) as bigint) as engaged_trials,
    cast(count(case when not is_engaged then 1 end) as bigint) as abandoned_trials,
    cast(
        count(case when is_engaged and is_converted then 1 end) / nullif(count(case when is_engaged then 1 end), 0)
        as double
    ) as engaged_trial_to_paid_rate,
    cast(
        count(case when not is_engaged and is_converted then 1 end)
        / nullif(count(case when not is_engaged then 1 end), 0) as double
    ) as abandoned_trial_to_paid_rate,
    cast(count(case when trial_outcome = 'in_trial' then 1 end) as bigint) as trials_in_progress,
    cast(median(days_to_convert) as double) as median_days_to_convert

from trials
group by trial_month
