"""Presence: co-editors see each other's names, and a late joiner sees everyone already there
without waiting for their next awareness renewal (these peers never renew theirs)."""

from __future__ import annotations

from typing import Any

from tests.collab.ydoc_client import AwarenessClient, CollabServer

PEERS = [f"peer{i}" for i in range(10)]


async def test_co_editors_see_each_others_names(mlp_notebook: Any, mlp_collaborators: Any) -> None:
    path = mlp_notebook("names.ipynb", ["x = 1"])
    clients = await mlp_collaborators(path, ["alice", "bob", "carol"])
    for client in clients:
        others = {"alice", "bob", "carol"} - {client.user}
        await client.wait_for(lambda c=client, o=others: c.peer_names() == o, f"sees {others}")
        assert all(state["user"]["display_name"] for state in client.peers().values())


async def test_a_late_joiner_sees_every_peer_already_in_the_notebook(
    mlp_notebook: Any, mlp_collaborators: Any
) -> None:
    # Given 10 co-editors that announced themselves once and never renew their presence
    path = mlp_notebook("late.ipynb", ["x = 1"])
    await mlp_collaborators(path, PEERS)

    # When one more opens the notebook
    [late] = await mlp_collaborators(path, ["late"])

    # Then it sees all of them (upstream alone: only at their next renewal, here never)
    await late.wait_for(lambda: late.peer_names() == set(PEERS), "the late joiner sees 10")


async def test_a_late_joiner_sees_everyone_in_the_lab(mlp_collab_server: CollabServer) -> None:
    clients = []
    try:
        # Given 10 lab tabs present in the global awareness room, never renewing
        for name in PEERS:
            clients.append(await AwarenessClient.open(mlp_collab_server, user=name))

        # When one more tab joins
        late = await AwarenessClient.open(mlp_collab_server, user="late")
        clients.append(late)

        # Then it sees all of them
        await late.wait_for(lambda: late.peer_names() == set(PEERS), "the late tab sees 10")
        # ... and they see it (that part is upstream's relay)
        await clients[0].wait_for(lambda: "late" in clients[0].peer_names(), "sees late")
    finally:
        for client in clients:
            await client.drop()


async def test_a_collaborator_who_leaves_disappears(
    mlp_notebook: Any, mlp_collaborators: Any
) -> None:
    path = mlp_notebook("leave.ipynb", ["x = 1"])
    alice, bob = await mlp_collaborators(path, ["alice", "bob"])
    await alice.wait_for(lambda: alice.peer_names() == {"bob"}, "alice sees bob")
    await bob.close()
    await alice.wait_for(lambda: alice.peer_names() == set(), "bob is gone for alice")
    # A newcomer is not shown bob either (the server forgot his state)
    [carol] = await mlp_collaborators(path, ["carol"])
    await carol.wait_for(lambda: carol.peer_names() == {"alice"}, "carol sees alice only")


async def test_a_collaborator_whose_connection_drops_disappears_at_once(
    mlp_notebook: Any, mlp_collaborators: Any, mlp_collab_server: CollabServer
) -> None:
    # Given Alice and Bob in a notebook, and both in the lab-wide presence room
    path = mlp_notebook("dropped.ipynb", ["x = 1"])
    alice, bob = await mlp_collaborators(path, ["alice", "bob"])
    lab_alice = await AwarenessClient.open(mlp_collab_server, user="alice")
    lab_bob = await AwarenessClient.open(mlp_collab_server, user="bob")
    try:
        await alice.wait_for(lambda: alice.peer_names() == {"bob"}, "alice sees bob")
        await lab_alice.wait_for(lambda: "bob" in lab_alice.peer_names(), "in the lab too")

        # When Bob's tab goes without saying goodbye (closed, network cut)
        await bob.drop()
        await lab_bob.drop()

        # Then the server tells Alice he left (these test clients never time peers out
        # themselves, as the lab does after 30 s without a renewal)
        await alice.wait_for(lambda: alice.peer_names() == set(), "bob is gone")
        await lab_alice.wait_for(lambda: "bob" not in lab_alice.peer_names(), "bob left the lab")
        # and a newcomer is not greeted with him
        [carol] = await mlp_collaborators(path, ["carol"])
        await carol.wait_for(lambda: carol.peer_names() == {"alice"}, "carol sees alice only")
    finally:
        await lab_alice.drop()
