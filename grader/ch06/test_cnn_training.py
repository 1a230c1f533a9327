"""Grader for 6.6.2's training function: train_ch6.

The learner's train_ch6 runs in the child in lockstep with the reference's: the same small CNN
(`probes.make_net`, a Recorder noting each forward call's mode and grad mode) built from the same
state, the same minibatches of small images drawn from the seed, the same global random numbers for
Xavier's draws, and torch.optim.SGD standing for a logging SGD. The net's state when the optimizer
is made (after Xavier initialisation) and after every step must match the reference's, then the
returned (train loss, train accuracy, test accuracy). The catalogued mistakes are named by what
proves them: weights the optimizer receives untouched since the net was built, a backward onto a
gradient nobody zeroed, and the modes of the training and the evaluation calls. The loss and the
accuracy on the training images after every step, of the learner's net and the reference's,
computed here from the states, are the exercise's curves.
"""
import torch

from d2lkit.grading.api import (as_number, expect, expect_close, expect_each_close, expect_equal,
                                grades, mistake_if, probes_for, record_series, reference)

probes = probes_for(__file__)
ref = reference(__file__)

TRAIN = "ch6.train_ch6"
EPOCHS, LR = 2, 0.5


def image_data(gen, device):
    """A net drawn from the seed, 10 training images in minibatches of 4 (the last of 2) and 30 test
    images in minibatches of 8, all 1×8×8, labels 0 … 2."""
    net = probes.make_net().double()
    with torch.no_grad():
        for t in net.state_dict().values():
            t.copy_(torch.randn(t.shape, generator=gen, dtype=torch.float64) * 0.3)
    state_dict = {k: v.detach().clone().to(device) for k, v in net.state_dict().items()}

    def batches(n, size):
        X = torch.rand(n, 1, 8, 8, generator=gen, dtype=torch.float64).to(device)
        y = torch.randint(0, 3, (n,), generator=gen).to(device)
        return [(X[i:i + size], y[i:i + size]) for i in range(0, n, size)]
    return state_dict, batches(10, 4), batches(30, 8)


def curves(steps, batches):
    """(loss, accuracy) on `batches` of the net after each step, from its states (the learner's
    came from the child: a state that does not load gives no curve, never an error here)."""
    losses, accs = [], []
    X = torch.cat([X for X, _ in batches]).cpu()
    y = torch.cat([y for _, y in batches]).cpu()
    try:
        for state in steps[:200]:
            net = probes.make_net().double()
            net.load_state_dict({k: v.cpu().double() for k, v in state.items()})
            with torch.no_grad():
                y_hat = net(X)
                losses.append(float(torch.nn.functional.cross_entropy(y_hat, y)))
                accs.append(float((y_hat.argmax(dim=1) == y).double().mean()))
    except Exception:  # noqa: BLE001 - a picture is never worth failing a check for
        return None, None
    return losses, accs


def record_curves(student, got, expected, batches):
    steps = got.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        return
    mine, theirs = curves(steps, batches), curves(expected["steps"], batches)
    record_series(student, "loss", mine[0], theirs[0])
    record_series(student, "train-accuracy", mine[1], theirs[1])


@grades(TRAIN, en="Xavier-initialised weights, then 2 epochs in lockstep with the reference "
                  "(train mode for training, eval mode and no_grad for the test accuracy); the "
                  "last epoch's (train loss, train accuracy, test accuracy)",
        zh="先用 Xavier 初始化权重，再训练 2 个迭代周期，每一步都与参考实现一致（训练时为训练模式，"
           "计算测试精度时为评估模式并且不记录梯度）；返回最后一个周期的（训练损失, 训练精度, 测试精度）")
def test_train_ch6(student, gen, seed, device):
    state_dict, train, test = image_data(gen, device)
    args = (state_dict, train, test, EPOCHS, LR, seed)
    got = student.probe(probes.probe_train, *args)
    with torch.random.fork_rng(devices=[]):
        expected = probes.run_train(ref.train_ch6, *args)
    record_curves(student, got, expected, train)
    weights = [k for k in expected["built"] if k.endswith("weight")]
    mistake_if(len(got["made"]) == 1 and all(torch.equal(got["made"][0][k].cpu(),
                                                         got["built"][k].cpu()) for k in weights),
               "no-xavier-init", what="the weights when the optimizer was made",
               expected="drawn by nn.init.xavier_uniform_", got="the net's weights as it was built")
    mistake_if("backward-onto-stale-grad" in got["log"], "missing-zero-grad",
               what="p.grad when backward() adds to it",
               expected="zero (optimizer.zero_grad() before each backward())",
               got="the gradient of the previous minibatch, still there")
    calls = got["calls"]
    mistake_if(any(grad and not training for training, grad in calls), "trained-in-eval-mode",
               what="net.training during the training forward calls",
               expected="True: call net.train() at the start of every epoch", got=calls)
    mistake_if(any(training and not grad for training, grad in calls), "evaluated-in-train-mode",
               what="net.training during the evaluation forward calls",
               expected="False: call net.eval() before computing the test accuracy", got=calls)
    expect_equal(len(got["made"]), 1, what="optimizers made")
    expect_each_close(got["made"][0], expected["made"][0],
                      what="the net's state when the optimizer was made (after Xavier)")
    expect_equal(len(got["steps"]), len(expected["steps"]), what="updates in the training")
    total = len(expected["steps"])
    for k, (g, e) in enumerate(zip(got["steps"], expected["steps"])):
        expect_each_close(g, e, what=f"the net's state after step {k + 1}/{total}")
    values = [as_number(v) for v in got["result"]] if isinstance(got["result"], list) else None
    expect(values is not None and len(values) == 3 and None not in values,
           what="train_ch6(...)", expected="(train loss, train accuracy, test accuracy)",
           got=repr(got["result"])[:80])
    expect_close(torch.tensor(values, dtype=torch.float64),
                 torch.tensor(expected["result"], dtype=torch.float64), rtol=1e-6, atol=1e-9,
                 what="(train loss, train accuracy, test accuracy)")
